"""Accessibility checks of one rendered console page in Chromium (WCAG 2.1 AA / RGAA
criteria that a machine can decide). Debian has no axe-core package and nothing is
downloaded, so the checks are written here:

- accessible names of interactive elements, from Chromium's own accessibility tree
  (CDP Accessibility.getFullAXTree): what a screen reader would announce;
- form fields with a label (<label for>, a wrapping label, aria-label/labelledby);
- images with a text alternative (img alt, role=img with a name, input type=image);
- <html lang="fr">, a page title, a main landmark, exactly one visible h1, data tables
  with header cells, unique ids and id references that resolve (label for,
  aria-labelledby/-describedby/-controls);
- an aria-label that contains the control's visible text (WCAG 2.5.3, label in name);
- text contrast >= 4.5:1, large text (>= 24 px, or >= 18.66 px bold) >= 3:1, computed
  from the computed colours over the first opaque background behind the text (WCAG's
  relative luminance); disabled controls are exempt, as WCAG says; placeholders 4.5:1;
  form control boundaries (border or fill) 3:1 against what surrounds them (1.4.11);
- keyboard: every visible control is reached by pressing Tab (real key events), and
  each one shows a focus indicator (outline or box-shadow) at that moment, of 3:1 against
  what surrounds the control (1.4.11).

audit(browser, page) returns {"counts": {check: elements checked}, "issues": [text]}.
"""

INTERACTIVE_ROLES = {"button", "link", "textbox", "searchbox", "combobox", "listbox", "checkbox", "radio",
                     "spinbutton", "slider", "switch", "tab", "menuitem", "menuitemcheckbox", "menuitemradio",
                     "DisclosureTriangle", "PopUpButton", "textField", "TextField"}

# Runs in the page: everything but the accessibility tree and the Tab walk.
PAGE_CHECKS = r"""
const issues = [], counts = {labels: 0, images: 0, contrast: 0, headings: 0};
const describe = (el) => {
  let s = el.tagName.toLowerCase();
  if (el.id) s += '#' + el.id;
  const testid = el.getAttribute('data-testid');
  if (testid) s += '[data-testid=' + testid + ']';
  else if (el.className && typeof el.className === 'string') s += '.' + el.className.trim().split(/\s+/).join('.');
  const text = (el.innerText || el.value || '').trim().slice(0, 40);
  return text ? s + ' "' + text + '"' : s;
};
const visible = (el) => el.checkVisibility ? el.checkVisibility({checkOpacity: false, checkVisibilityCSS: true})
  : el.getClientRects().length > 0;

// Language and headings.
if (document.documentElement.getAttribute('lang') !== 'fr') issues.push('html lang is not "fr"');
const h1 = [...document.querySelectorAll('h1')].filter(visible);
counts.headings = document.querySelectorAll('h1,h2,h3,h4,h5,h6').length;
if (h1.length !== 1) issues.push('expected exactly one visible h1, found ' + h1.length);
else if (!h1[0].innerText.trim()) issues.push('the h1 is empty');

// A page title (WCAG 2.4.2), landmarks, data tables with header cells (RGAA 5.6/5.7).
if (!document.title.trim()) issues.push('empty page title');
if (!document.querySelector('main')) issues.push('no main landmark');
for (const table of document.querySelectorAll('table')) {
  if (!visible(table) || table.getAttribute('role') === 'presentation') continue;
  counts.tables = (counts.tables || 0) + 1;
  if (!table.querySelector('th')) issues.push('data table without header cells: ' + describe(table));
}

// References by id (label for, aria-labelledby, aria-describedby, aria-controls) resolve.
for (const el of document.querySelectorAll('label[for], [aria-labelledby], [aria-describedby], [aria-controls]')) {
  const ids = [el.getAttribute('for'), el.getAttribute('aria-labelledby'), el.getAttribute('aria-describedby'),
    el.getAttribute('aria-controls')].filter(Boolean).join(' ').split(/\s+/).filter(Boolean);
  for (const id of ids) if (!document.getElementById(id)) issues.push('reference to a missing id "' + id + '" from ' + describe(el));
}

// Label in name (WCAG 2.5.3): a control's aria-label contains its visible text.
for (const el of document.querySelectorAll('button[aria-label], a[aria-label]')) {
  const shown = (el.innerText || '').trim().toLowerCase(), name = el.getAttribute('aria-label').trim().toLowerCase();
  if (shown && visible(el) && !name.includes(shown)) {
    issues.push('accessible name "' + name + '" does not contain the visible text: ' + describe(el));
  }
}

// Unique ids (a label's "for" must designate one element).
const seen = new Map();
for (const el of document.querySelectorAll('[id]')) {
  if (seen.has(el.id)) issues.push('duplicate id "' + el.id + '"');
  seen.set(el.id, true);
}

// Form fields and their labels.
for (const el of document.querySelectorAll('input, select, textarea')) {
  if (el.type === 'hidden' || ['submit', 'button', 'reset', 'image'].includes(el.type) || !visible(el)) continue;
  counts.labels++;
  const labelled = (el.labels && [...el.labels].some((l) => l.innerText.trim())) ||
    (el.getAttribute('aria-label') || '').trim() ||
    (el.getAttribute('aria-labelledby') || '').split(/\s+/).some((id) => id && document.getElementById(id) &&
      document.getElementById(id).innerText.trim());
  if (!labelled) issues.push('form field without a label: ' + describe(el));
}

// Text alternatives of images.
for (const el of document.querySelectorAll('img, [role=img], input[type=image], svg')) {
  if (!visible(el)) continue;
  if (el.tagName.toLowerCase() === 'svg' && el.getAttribute('role') !== 'img') {
    if (el.getAttribute('aria-hidden') === 'true' || el.closest('[aria-hidden=true]')) continue;
    // An SVG with no role is announced by nothing: it must be decorative or named.
    issues.push('svg without role="img" nor aria-hidden: ' + describe(el));
    counts.images++;
    continue;
  }
  counts.images++;
  const alt = el.tagName.toLowerCase() === 'img' || el.type === 'image' ? el.getAttribute('alt')
    : (el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || (el.querySelector('title') || {}).textContent);
  if (alt === null || alt === undefined || (alt.trim() === '' && el.getAttribute('role') === 'img')) {
    issues.push('image without a text alternative: ' + describe(el));
  }
}

// Contrast of every text node's element.
const parse = (c) => {
  const m = c && c.match(/rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4])] : null;
};
const blend = (fg, bg) => [0, 1, 2].map((i) => fg[i] * fg[3] + bg[i] * (1 - fg[3])).concat(1);
const lum = (c) => {
  const [r, g, b] = c.slice(0, 3).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
function background(el) {
  // Layers from the element up to the first opaque one, blended from the bottom.
  const layers = [];
  let unknown = false;
  for (let e = el; e; e = e.parentElement) {
    const cs = getComputedStyle(e);
    if (cs.backgroundImage !== 'none') unknown = true;
    const c = parse(cs.backgroundColor);
    if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
  }
  let bg = [255, 255, 255, 1];
  for (let i = layers.length - 1; i >= 0; i--) bg = blend(layers[i], bg);
  return {bg, unknown};
}
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
const done = new Set();
for (let n = walker.nextNode(); n; n = walker.nextNode()) {
  const el = n.parentElement;
  if (!n.textContent.trim() || !el || done.has(el)) continue;
  done.add(el);
  if (['SCRIPT', 'STYLE', 'NOSCRIPT', 'OPTION', 'TITLE'].includes(el.tagName) || !visible(el)) continue;
  const r = el.getBoundingClientRect();
  if (r.width <= 1 || r.height <= 1) continue;  // visually hidden, for screen readers only
  if (el.closest('button:disabled, input:disabled, select:disabled, textarea:disabled, [aria-disabled=true]')) continue;
  const cs = getComputedStyle(el);
  let fg = parse(cs.color);
  if (!fg) continue;
  let opacity = 1;
  for (let e = el; e; e = e.parentElement) opacity *= Number(getComputedStyle(e).opacity);
  fg = [fg[0], fg[1], fg[2], fg[3] * opacity];
  const {bg, unknown} = background(el);
  if (unknown) continue;  // text over an image: not decidable here
  counts.contrast++;
  const size = parseFloat(cs.fontSize), bold = Number(cs.fontWeight) >= 700;
  const large = size >= 24 || (bold && size >= 18.66);
  const value = ratio(blend(fg, bg), bg);
  if (value < (large ? 3 : 4.5)) {
    issues.push('contrast ' + value.toFixed(2) + ':1 < ' + (large ? 3 : 4.5) + ' for ' + describe(el) +
      ' (' + cs.color + ' on rgb(' + bg.slice(0, 3).map(Math.round).join(', ') + '), ' + size + 'px)');
  }
}
// Placeholders are text too (1.4.3); control borders identify the control (1.4.11, 3:1).
counts.controls = 0;
for (const el of document.querySelectorAll('input, select, textarea')) {
  if (el.type === 'hidden' || ['submit', 'button', 'reset', 'image', 'checkbox', 'radio', 'file'].includes(el.type) ||
      !visible(el) || el.disabled) continue;
  counts.controls++;
  const {bg} = background(el.parentElement || el);
  const cs = getComputedStyle(el);
  const border = parse(cs.borderTopColor), own = parse(cs.backgroundColor);
  const edge = Math.max(border && parseFloat(cs.borderTopWidth) > 0 ? ratio(blend(border, bg), bg) : 0,
    own && own[3] > 0 ? ratio(blend(own, bg), bg) : 0);
  if (edge < 3) issues.push('control boundary contrast ' + edge.toFixed(2) + ':1 < 3: ' + describe(el));
  if (el.placeholder) {
    const ph = parse(getComputedStyle(el, '::placeholder').color);
    const fill = own && own[3] > 0 ? blend(own, bg) : bg;
    if (ph && ratio(blend(ph, fill), fill) < 4.5) {
      issues.push('placeholder contrast ' + ratio(blend(ph, fill), fill).toFixed(2) + ':1 < 4.5: ' + describe(el));
    }
  }
}
return {issues, counts};
"""

# Marks the controls the keyboard must reach and records, at each focus, what got it
# and whether a focus indicator shows.
TAB_SETUP = r"""
// Native controls, and elements that claim a control's role (those must be focusable too).
const sel = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex="-1"]), ' +
  '[role=button], [role=link], [role=checkbox], [role=radio], [role=tab], [role=switch], [role=menuitem]';
const visible = (el) => el.checkVisibility ? el.checkVisibility({checkVisibilityCSS: true}) : el.getClientRects().length > 0;
const controls = [...document.querySelectorAll(sel)].filter((el) => !el.disabled && visible(el) &&
  !el.closest('[inert]'));
controls.forEach((el, i) => { el.dataset.a11yIndex = String(i); });
window.__focus = [];
window.__focusListener && document.removeEventListener('focusin', window.__focusListener, true);
const parse = (c) => {
  const m = c && c.match(/rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4])] : null;
};
const lum = (c) => {
  const [r, g, b] = c.slice(0, 3).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
// What surrounds the element: the first opaque background of its ancestors.
const around = (el) => {
  for (let e = el.parentElement; e; e = e.parentElement) {
    const c = parse(getComputedStyle(e).backgroundColor);
    if (c && c[3] >= 1) return c;
  }
  return [255, 255, 255, 1];
};
window.__focusListener = (e) => {
  const el = e.target, cs = getComputedStyle(el);
  const outline = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0;
  const shadow = cs.boxShadow && cs.boxShadow !== 'none';
  // WCAG 1.4.11: the indicator needs 3:1 against what surrounds it (outline or ring).
  const bg = around(el);
  const best = Math.max(outline && parse(cs.outlineColor) ? ratio(parse(cs.outlineColor), bg) : 0,
    shadow && parse(cs.boxShadow) ? ratio(parse(cs.boxShadow), bg) : 0);
  window.__focus.push({i: el.dataset ? el.dataset.a11yIndex : undefined, visible: Boolean(outline || shadow),
    contrast: best,
    what: el.tagName.toLowerCase() + (el.dataset && el.dataset.testid ? '[data-testid=' + el.dataset.testid + ']' : '') +
      ' "' + (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 40) + '"'});
};
document.addEventListener('focusin', window.__focusListener, true);
if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
window.scrollTo(0, 0);
return controls.map((el) => el.tagName.toLowerCase() + (el.dataset.testid ? '[data-testid=' + el.dataset.testid + ']' : '') +
  ' "' + (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 40) + '"');
"""


def accessible_names(driver):
    """(checked, issues) for the interactive nodes of Chromium's accessibility tree."""
    driver.execute_cdp_cmd("Accessibility.enable", {})
    nodes = driver.execute_cdp_cmd("Accessibility.getFullAXTree", {})["nodes"]
    checked, issues = 0, []
    for n in nodes:
        role = (n.get("role") or {}).get("value")
        if n.get("ignored") or role not in INTERACTIVE_ROLES:
            continue
        checked += 1
        name = ((n.get("name") or {}).get("value") or "").strip()
        if name:
            continue
        what = role
        if n.get("backendDOMNodeId"):
            try:
                node = driver.execute_cdp_cmd("DOM.describeNode", {"backendNodeId": n["backendDOMNodeId"]})["node"]
                attrs = node.get("attributes", [])
                what += " <" + node.get("localName", "?") + " " + " ".join(
                    f'{attrs[i]}="{attrs[i + 1]}"' for i in range(0, len(attrs), 2)) + ">"
            except Exception:  # the node went away meanwhile
                pass
        issues.append("interactive element without an accessible name: " + what)
    return checked, issues


def keyboard_walk(driver):
    """(checked, issues): Tab through the page with real key events."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys
    controls = driver.execute_script(TAB_SETUP)
    presses = len(controls) + 10
    # In batches: one WebDriver round trip per 25 presses.
    for start in range(0, presses, 25):
        chain = ActionChains(driver)
        for _ in range(min(25, presses - start)):
            chain.send_keys(Keys.TAB)
        chain.perform()
    focus = driver.execute_script("return window.__focus")
    reached = {f["i"] for f in focus if f["i"] is not None}
    issues = [f"not reachable with Tab: {c}" for i, c in enumerate(controls) if str(i) not in reached]
    unseen = [f for f in focus if not f["visible"]]
    if unseen:
        unseen = recheck_focus(driver, unseen)
    issues += sorted({f"no visible focus indicator: {f['what']}" for f in unseen})
    issues += sorted({f"focus indicator contrast {f['contrast']:.2f}:1 < 3: {f['what']}"
                      for f in focus if f["visible"] and f["contrast"] < 3})
    driver.execute_script("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)")
    return len(controls), issues


def recheck_focus(driver, unseen):
    """The controls that show no indicator when Tab reaches them once more. A control the
    page re-rendered while the walk went by can report a focus it never showed (seen once
    in about ten runs, on the dashboard's refresh); a missing indicator is missing again."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys
    still = []
    for f in unseen:
        if f["i"] is None:
            still.append(f)
            continue
        found = driver.execute_script(
            "const el = document.querySelector('[data-a11y-index=\"' + arguments[0] + '\"]');"
            "if (!el) return false; el.focus(); window.__focus = []; return true;", f["i"])
        if not found:
            continue  # the control is gone (re-rendered without it): nothing to judge
        ActionChains(driver).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT) \
            .send_keys(Keys.TAB).perform()
        again = [g for g in driver.execute_script("return window.__focus") if g["i"] == f["i"]]
        if not again or not again[-1]["visible"]:
            still.append(f)
    return still


def audit(browser, page):
    driver = browser.driver
    result = driver.execute_script(PAGE_CHECKS)
    counts = dict(result["counts"])
    issues = list(result["issues"])
    counts["names"], name_issues = accessible_names(driver)
    counts["keyboard"], key_issues = keyboard_walk(driver)
    issues += name_issues + key_issues
    return {"page": page, "counts": counts, "issues": issues}
