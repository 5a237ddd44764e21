// Vary (Region) on the playground: rather than naming a region in a line (as Discord and Telegram ask), the result
// goes into the composer with the mask brush on and the line becomes `/retouch <prompt>`, so the region is drawn.
// Sending it is a /retouch of the result's lossless PNG, as any /retouch with a drawn mask is.
import { takeOption } from './typed-dashes.js';

const $ = (id) => document.getElementById(id);

/** True once the result is in the composer; false (nothing changed) where it cannot be fetched. */
export async function drawRegionOf(li, ask, attach) {
  const img = li.querySelector('img.result');
  const url = img?.dataset.download || img?.src;
  if (!url) return false;
  const res = await fetch(url).catch(() => undefined);
  if (!res?.ok) return false;
  const blob = await res.blob();
  const file = new File([blob], img.dataset.filename || 'result.png', { type: blob.type || 'image/png' });
  // Judged against the server's limits first: what follows is for an image that is in the composer.
  if (!(await attach(file))) return false;
  // Sent with the line, so the retouch names this result as its parent.
  $('attachment').dataset.origin = ask.jobId;
  $('draw').checked = true;
  $('draw').dispatchEvent(new Event('change'));
  // The drawn mask says where: a `--box` left in the line (in any form the server reads, a list too) would win.
  const prompt = takeOption(ask.value ?? '', 'box').rest.trim();
  $('text').value = `/retouch ${prompt}`.trim();
  if ($('attachment').classList.contains('painting')) {
    // A phone's full-screen brush: focusing the box would open the on-screen keyboard over half the picture. The
    // box is fitted to its new line all the same (composer.js grows it on input).
    $('text').dispatchEvent(new Event('input'));
    $('draw').focus();
    return true;
  }
  $('text').focus();
  $('attachment').scrollIntoView({ block: 'nearest' });
  return true;
}
