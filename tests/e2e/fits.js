// Text nodes holding any of `texts` must lie inside their box (the closest of `boxes`, else the
// viewport) and not be clipped by an ancestor without an ellipsis; the page must not scroll
// sideways. Text in a labelled scroll region (a wide table on a phone) may scroll. The first
// text found is scrolled into view, for the screenshot that follows.
// Evaluated by tests/e2e/test_long_names_and_states.py as `evaluate(FITS, [texts, boxes])`.
([texts, boxes]) => {
  const host = document.getElementById('loyalty-launcher-root');
  const root = host && host.shadowRoot ? host.shadowRoot : document;
  const html = document.documentElement, width = html.clientWidth, problems = [];
  if (html.scrollWidth > width) problems.push(`the page scrolls sideways: ${html.scrollWidth} > ${width}`);
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  let found = 0, first = null;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = texts.find((t) => node.textContent.includes(t));
    const el = node.parentElement;
    if (!text || !el || !el.getClientRects().length || el.closest('option,[aria-hidden=true]')) continue;
    const own = el.getBoundingClientRect();
    if (own.width <= 1 && own.height <= 1) continue; // visually hidden, for screen readers
    found += 1;
    first = first || el;
    const range = document.createRange();
    range.selectNodeContents(node);
    const r = range.getBoundingClientRect();
    const where = `"${text.slice(0, 20)}…" in <${el.tagName.toLowerCase()} class="${el.className}">`;
    const scroller = el.closest('[role=region]');
    const box = (el.closest(boxes) || html).getBoundingClientRect();
    const left = Math.max(box.left, 0), right = Math.min(box.right, width);
    if (!scroller && (r.left < left - 1 || r.right > right + 1))
      problems.push(`${where} runs out of its box: ${Math.round(r.left)}-${Math.round(r.right)} in ${Math.round(left)}-${Math.round(right)}`);
    for (let a = el; a && a !== html && a !== scroller; a = a.parentElement) {
      const s = getComputedStyle(a);
      if (a.scrollWidth > a.clientWidth + 1 && s.overflowX !== 'visible' && s.textOverflow !== 'ellipsis') {
        problems.push(`${where} is cut off by <${a.tagName.toLowerCase()} class="${a.className}">`);
        break;
      }
      if (a.matches(boxes)) break;
    }
  }
  if (first) first.scrollIntoView({block: 'nearest'}); // for the screenshot
  return {found, problems};
}
