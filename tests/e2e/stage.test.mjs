// The picture first, at every size a class meets: projectors (1280×800,
// 1280×720), a large screen (1920×1080) and phones (390×844, 360×640), for
// the default scenario and the side-by-side preset. At each: where the
// picture starts, no sideways scrolling of the page, no control over
// another, every control reachable by keyboard and named, and no serious
// accessibility problem. A screenshot of each under target/e2e/.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openApp, pickPreset, pause, screenshot, audit } from './harness.mjs';

const SIZES = [
  { width: 1280, height: 800, phone: false },
  { width: 1280, height: 720, phone: false },
  { width: 1920, height: 1080, phone: false },
  { width: 390, height: 844, phone: true },
  { width: 360, height: 640, phone: true },
];

/** The single RabbitMQ picture's width at 1280 px before the stage was laid out anew. */
const SINGLE_PICTURE_AT_1280 = 1234;

/** What the page shows at this size: positions in page pixels. */
function measure(page) {
  return page.evaluate(() => {
    const box = (el) => {
      const r = el.getBoundingClientRect();
      return { left: r.left + scrollX, top: r.top + scrollY, right: r.right + scrollX, bottom: r.bottom + scrollY };
    };
    const pictures = document.querySelector('[data-testid="pictures"]');
    const first = pictures.querySelector('svg');
    const topbar = document.querySelector('[data-testid="topbar"]');
    // The page's own controls, where they are drawn (not the SVG's nodes).
    const controls = [...document.querySelectorAll('button, select, input, a[href], summary, [role="button"]:not(g)')]
      .filter((el) => !el.closest('svg') && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden');
    const name = (el) => (el.getAttribute('aria-label') || el.labels?.[0]?.textContent || el.textContent
      || el.getAttribute('title') || '').trim();
    return {
      overflow: document.documentElement.scrollWidth - innerWidth,
      pictureTop: box(pictures).top,
      pictureBottom: box(first).bottom,
      topbarBottom: box(topbar).bottom,
      controls: controls.map((el) => ({
        id: el.dataset.testid || el.getAttribute('aria-label') || el.tagName.toLowerCase() + ':' + name(el).slice(0, 20),
        box: box(el),
        name: name(el),
        focusable: el.tabIndex >= 0 && !el.disabled,
      })),
      panes: [...document.querySelectorAll('[data-testid="panes"] svg.rabbit-view')].map((svg) =>
        svg.getBoundingClientRect().width / svg.viewBox.baseVal.width),
      viewBoxWidth: first.viewBox.baseVal.width,
    };
  });
}

/** Pairs of controls whose boxes overlap by more than a pixel. */
function overlaps(controls) {
  const found = [];
  for (let i = 0; i < controls.length; i++) {
    for (let j = i + 1; j < controls.length; j++) {
      const [a, b] = [controls[i].box, controls[j].box];
      const x = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (x > 1 && y > 1) found.push(`${controls[i].id} × ${controls[j].id}`);
    }
  }
  return found;
}

/** The controls a keyboard user reaches with Tab, by test id or name. */
async function tabbed(page, count) {
  await page.evaluate(() => document.activeElement?.blur());
  await page.locator('body').focus();
  const reached = new Set();
  for (let i = 0; i < count; i++) {
    await page.keyboard.press('Tab');
    reached.add(await page.evaluate(() => {
      const el = document.activeElement;
      return el?.dataset?.testid || el?.getAttribute('aria-label') || el?.tagName;
    }));
  }
  return reached;
}

for (const size of SIZES) {
  const label = `${size.width}×${size.height}`;
  test(`${label}: the picture comes first, and every control is reachable`, async () => {
    const app = await openApp({ width: size.width, height: size.height });
    try {
      const { page } = app;
      for (const preset of ['order-notifications', 'point-to-point-vs-pub-sub']) {
        if (preset !== 'order-notifications') await pickPreset(page, preset);
        await pause(page);
        await page.evaluate(() => scrollTo(0, 0));
        const m = await measure(page);
        const where = `${label} ${preset}`;
        if (size.phone) {
          assert.ok(m.pictureTop <= m.topbarBottom + 24, `${where}: the picture follows the title bar (${m.pictureTop} px)`);
        } else {
          assert.ok(m.pictureTop <= 260, `${where}: the picture starts at ${m.pictureTop} px`);
        }
        if (preset === 'order-notifications' && size.width === 1280 && size.height === 800) {
          assert.ok(m.pictureBottom <= 800, `${where}: the whole picture is on screen (bottom ${m.pictureBottom} px)`);
        }
        if (preset === 'point-to-point-vs-pub-sub' && size.width >= 1280) {
          const today = SINGLE_PICTURE_AT_1280 / m.viewBoxWidth;
          for (const scale of m.panes) {
            assert.ok(scale >= today - 0.001, `${where}: a pane's text is drawn at ${scale.toFixed(3)}, at least ${today.toFixed(3)}`);
          }
        }
        assert.ok(m.overflow <= 0, `${where}: the page scrolls ${m.overflow} px sideways`);
        assert.deepEqual(overlaps(m.controls), [], `${where}: controls over one another`);
        const unnamed = m.controls.filter((c) => !c.name).map((c) => c.id);
        assert.deepEqual(unnamed, [], `${where}: controls without a name`);
        const unfocusable = m.controls.filter((c) => !c.focusable).map((c) => c.id);
        assert.deepEqual(unfocusable, [], `${where}: controls the keyboard cannot reach`);
        const reached = await tabbed(page, m.controls.length + 40);
        for (const id of ['play-pause', 'step', 'scrubber', size.phone ? 'menu' : 'file-menu']) {
          assert.ok(reached.has(id), `${where}: Tab reaches ${id} (${[...reached].join(', ')})`);
        }
        assert.deepEqual(await audit(page), [], `${where}: accessibility`);
        await page.evaluate(() => scrollTo(0, 0));
        await screenshot(page, `stage-${size.width}x${size.height}-${preset}`);
      }
      if (size.phone) {
        // Everything in the bar is one tap away, in the menu.
        await page.click('[data-testid="menu"]');
        for (const id of ['preset', 'share', 'embed-code', 'file-menu', 'projector', 'fullscreen', 'shortcuts']) {
          assert.ok(await page.isVisible(`[data-testid="${id}"]`), `${label}: ${id} in the menu`);
        }
        const m = await measure(page);
        assert.ok(m.overflow <= 0, `${label}: the open menu scrolls ${m.overflow} px sideways`);
        assert.deepEqual(overlaps(m.controls), [], `${label}: the open menu's controls`);
        await screenshot(page, `stage-${size.width}x${size.height}-menu`);
      }
      assert.deepEqual(app.problems, []);
    } finally {
      await app.close();
    }
  });
}

test('the File menu holds the file and definitions actions, one click away, and Escape closes it', async () => {
  const app = await openApp({ width: 1280, height: 800 });
  try {
    const { page } = app;
    assert.equal(await page.isVisible('[data-testid="download"]'), false);
    await page.click('[data-testid="file-menu"]');
    for (const id of ['download', 'export-definitions']) {
      assert.ok(await page.isVisible(`[data-testid="${id}"]`), id);
    }
    assert.ok(await page.getByRole('button', { name: 'Save file' }).isVisible());
    assert.ok(await page.getByRole('button', { name: 'Save RabbitMQ definitions' }).isVisible());
    assert.ok(await page.getByLabel('Open file').count());
    assert.ok(await page.getByLabel('Import RabbitMQ definitions').count());
    await page.keyboard.press('Escape');
    assert.equal(await page.isVisible('[data-testid="download"]'), false);
    await screenshot(page, 'stage-file-menu');
    assert.deepEqual(app.problems, []);
  } finally {
    await app.close();
  }
});

test('the lesson folds away, leaves the picture the room, and stays folded after a reload', async () => {
  const app = await openApp({ width: 1920, height: 1080 });
  try {
    const { page, url } = app;
    const width = () => page.$eval('[data-testid="pictures"]', (el) => el.getBoundingClientRect().width);
    const beside = await width();
    assert.notEqual(await page.getAttribute('[data-testid="lesson"]', 'open'), null);
    await page.click('[data-testid="lesson"] summary');
    assert.equal(await page.getAttribute('[data-testid="lesson"]', 'open'), null);
    assert.ok((await width()) > beside + 200, 'folded, the lesson gives the picture its column');
    await page.goto(url);
    await page.waitForSelector('[data-testid="kafka-view"]');
    assert.equal(await page.getAttribute('[data-testid="lesson"]', 'open'), null, 'still folded after a reload');
    await page.click('[data-testid="lesson"] summary');
    assert.notEqual(await page.getAttribute('[data-testid="lesson"]', 'open'), null);
    assert.deepEqual(app.problems, []);
  } finally {
    await app.close();
  }
});
