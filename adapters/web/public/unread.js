// Results that arrive while the page is in a background tab count in its title ("(2) dimoo-bot playground") until
// the page is looked at again: a long job's end is seen from the tab bar, with no permission to ask for.
let unread = 0;
let title = document.title;

export function noteFinished() {
  if (!document.hidden) return;
  if (unread === 0) title = document.title;
  unread += 1;
  document.title = `(${unread}) ${title}`;
}

document.addEventListener('visibilitychange', () => {
  if (document.hidden || unread === 0) return;
  unread = 0;
  document.title = title;
});
