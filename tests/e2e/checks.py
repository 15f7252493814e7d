"""What the browser tests measure in a page: axe-core violations, text contrast, focus indicators,
and the Nu Html Checker's verdict on saved HTML."""

import json
import shutil
import subprocess
from pathlib import Path

NODE_MODULES = Path(__file__).resolve().parent / "node_modules"

AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
BLOCKING_IMPACTS = {"serious", "critical"}


def axe_violations(page):
    """Run axe-core in the page; return its serious and critical violations as readable lines."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['impact']}: {v['id']} ({v['help']}) at {', '.join(str(n['target']) for n in v['nodes'][:5])}"
        + (f" -- {v['nodes'][0].get('failureSummary', '')}" if v["nodes"] else "")
        for v in result["violations"]
        if v["impact"] in BLOCKING_IMPACTS
    ]


# Colours are resolved by the browser itself (a 1x1 canvas turns any CSS colour into sRGB bytes), then
# composited over the nearest opaque ancestor background, down to the canvas colour of the page.
_CONTRAST_JS = """
(elements) => {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 1;
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  const rgba = (css) => {
    ctx.clearRect(0, 0, 1, 1);
    ctx.fillStyle = '#000';
    ctx.fillStyle = css;
    ctx.fillRect(0, 0, 1, 1);
    const [r, g, b, a] = ctx.getImageData(0, 0, 1, 1).data;
    return [r, g, b, a / 255];
  };
  const over = (top, bottom) => {
    const a = top[3];
    return [0, 1, 2].map(i => top[i] * a + bottom[i] * (1 - a)).concat([1]);
  };
  const probe = document.createElement('div');
  probe.style.backgroundColor = 'Canvas';
  document.documentElement.appendChild(probe);
  const pageCanvas = rgba(getComputedStyle(probe).backgroundColor);
  probe.remove();
  const background = (el) => {
    const layers = [];
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
      const c = rgba(getComputedStyle(node).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    return layers.reduceRight((acc, layer) => over(layer, acc), pageCanvas);
  };
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  return elements.map((el) => {
    const style = getComputedStyle(el);
    const bg = background(el);
    const fg = over(rgba(style.color), bg);
    const [hi, lo] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    const size = parseFloat(style.fontSize);
    const bold = parseInt(style.fontWeight, 10) >= 700;
    return {
      text: el.textContent.trim().slice(0, 60), tag: el.tagName.toLowerCase(),
      ratio: (hi + 0.05) / (lo + 0.05), background_luminance: lum(bg),
      large: size >= 24 || (bold && size >= 18.66),
    };
  });
}
"""


def contrasts(page, selector="body, body *"):
    """Contrast of every visible element under `selector` that holds text of its own."""
    return page.locator(selector).evaluate_all(
        "(els) => (" + _CONTRAST_JS + ")(els.filter(el => "
        "[...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()) && "
        "el.getClientRects().length && getComputedStyle(el).visibility === 'visible'))"
    )


def page_background_luminance(page):
    return page.locator("body").evaluate("(el) => (" + _CONTRAST_JS + ")([el])[0].background_luminance")


def focus_indicator(page):
    """How the focused element shows focus: its tag, text, outline and box-shadow as computed."""
    return page.evaluate(
        """() => {
          const el = document.activeElement;
          if (!el || el === document.body) return null;
          const s = getComputedStyle(el);
          return {tag: el.tagName.toLowerCase(), text: (el.innerText || el.value || '').trim().slice(0, 60),
                  id: el.id, href: el.getAttribute('href'),
                  outline_style: s.outlineStyle, outline_width: parseFloat(s.outlineWidth) || 0,
                  outline_color: s.outlineColor, box_shadow: s.boxShadow,
                  visible: !!el.getClientRects().length};
        }"""
    )


def focus_is_visible(indicator):
    color = indicator["outline_color"]
    transparent = color == "transparent" or color.endswith(", 0)")
    outline = indicator["outline_style"] not in ("none", "hidden") and indicator["outline_width"] >= 1
    return (outline and not transparent) or indicator["box_shadow"] not in ("", "none")


def vnu_errors(paths):
    """Run the Nu Html Checker once over the HTML files; return its errors as readable lines."""
    java = shutil.which("java")
    assert java, "Java is needed for the Nu Html Checker: `make e2e` installs default-jre-headless"
    assert VNU_JAR.exists(), f"{VNU_JAR} is missing: run `make e2e` (npm ci in tests/e2e)"
    result = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(result.stderr or result.stdout or '{"messages": []}')
    return [
        f"{Path(m.get('url', '?')).name}:{m.get('lastLine', '?')}: {m['message']}"
        + (f"  [{m['extract'].strip()}]" if m.get("extract") else "")
        for m in report["messages"]
        if m.get("type") in ("error", "non-document-error")
    ]
