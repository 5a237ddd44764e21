// The access token comes once in the address (`/?token=…`), and the server has answered that visit with a cookie
// that authorises every later request. Left in the address it would stay in the history and in any link copied
// from the address bar, so the page drops it from its own entry. Not a server redirect: a SameSite=Strict cookie
// set on a navigation from another site (a link in a chat) is not sent on the redirected request, which would 401.

/** Removes every `token` parameter from the page's address, keeping the path, the other parameters as written
 * and the hash; nothing is navigated and no history entry is added. */
export function dropTokenFromAddress() {
  if (!new URLSearchParams(location.search).has('token')) return;
  // Filtered part by part so the other parameters keep their own spelling (URLSearchParams would re-encode them).
  const kept = location.search
    .slice(1)
    .split('&')
    .filter((part) => !new URLSearchParams(part).has('token'));
  const search = kept.length > 0 ? `?${kept.join('&')}` : '';
  history.replaceState(history.state, '', `${location.pathname}${search}${location.hash}`);
}
