// What a screen reader is told, read from Chromium's accessibility tree (over CDP) and from the page itself: the
// live regions in the tree now, the one holding some words, and every set of words put into a live region since
// `recordSaid` ran. A region that is unhidden with its words is not in the tree before them, and not every screen
// reader reads it; one in the tree beforehand, empty, that the words are put into, is read.
import type { Page } from 'playwright-core';

interface AXNode {
  ignored: boolean;
  backendDOMNodeId?: number;
  properties?: Array<{ name: string; value: { value?: unknown } }>;
}

type CdpSend = <R>(method: string, params?: Record<string, unknown>) => Promise<R>;

async function withCdp<T>(page: Page, body: (send: CdpSend) => Promise<T>): Promise<T> {
  const cdp = await page.context().newCDPSession(page);
  try {
    // Playwright types `send` per protocol method; these few calls say their own result types instead.
    const send: CdpSend = async (method, params) =>
      (await cdp.send(method as 'Runtime.evaluate', params as never)) as never;
    return await body(send);
  } finally {
    await cdp.detach();
  }
}

/** The DOM nodes (backend ids) of the live regions in the accessibility tree now; a hidden region is not there. */
export function liveRegionsInTree(page: Page): Promise<Set<number>> {
  return withCdp(page, async (send) => {
    const { nodes } = await send<{ nodes: AXNode[] }>('Accessibility.getFullAXTree');
    const live = (n: AXNode) => n.properties?.some((p) => p.name === 'live' && p.value.value !== 'off');
    return new Set(
      nodes
        .filter((n) => !n.ignored && live(n))
        .flatMap((n) => (n.backendDOMNodeId ? [n.backendDOMNodeId] : [])),
    );
  });
}

/** The DOM node (backend id) of the innermost live region whose words include `text`; undefined if none. */
export function liveRegionHolding(page: Page, text: string): Promise<number | undefined> {
  return withCdp(page, async (send) => {
    const { result } = await send<{ result: { objectId?: string } }>('Runtime.evaluate', {
      expression: `[...document.querySelectorAll('[role=alert], [role=status], [aria-live]')].filter((n) => n.textContent.includes(${JSON.stringify(text)})).pop() ?? null`,
    });
    if (!result.objectId) return undefined;
    const { node } = await send<{ node: { backendNodeId: number } }>('DOM.describeNode', {
      objectId: result.objectId,
    });
    return node.backendNodeId;
  });
}

/** From now on, the page keeps (in `window.said`) the words of a live region each time words are put into it. */
export function recordSaid(page: Page): Promise<unknown> {
  return page.evaluate(`(() => {
    window.said = [];
    const regions = '[role=alert], [role=status], [aria-live]';
    new MutationObserver((records) => {
      for (const r of records) {
        const region = (r.target.nodeType === 1 ? r.target : r.target.parentElement)?.closest(regions);
        if (!region || (r.type === 'childList' && r.addedNodes.length === 0)) continue;
        const words = region.textContent.trim();
        if (words) window.said.push(words);
      }
    }).observe(document.body, { childList: true, subtree: true, characterData: true });
  })()`);
}

/** How many times words including `text` were put into a live region since `recordSaid`. */
export async function timesSaid(page: Page, text: string): Promise<number> {
  const said = (await page.evaluate('window.said')) as string[];
  return said.filter((words) => words.includes(text)).length;
}
