// The builder at a projector's, a laptop's and a phone's size: beside the
// picture where there is room and below it on a phone, never pushing the
// page sideways, every control named (axe-core finds nothing serious).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openApp, screenshot, pause, select, builder, audit } from './harness.mjs';

const SIZES = [
  { name: 'projector', width: 1920, height: 1080 },
  { name: 'laptop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844, touch: true },
];

for (const size of SIZES) {
  test(`the builder on a ${size.name}`, async () => {
    const app = await openApp(size);
    try {
      const { page } = app;
      await pause(page);
      await page.click('[data-testid="build"]');
      await select(page, 'topic "orders"');
      const picture = await page.locator('[data-testid="pictures"]').boundingBox();
      const panel = await builder(page).boundingBox();
      if (size.name === 'phone') {
        assert.ok(panel.y >= picture.y + picture.height, 'below the picture on a phone');
      } else {
        assert.ok(panel.x + panel.width <= picture.x, 'beside the picture, on its left');
        assert.ok(picture.y < size.height / 3, `the picture starts high (${picture.y})`);
      }
      assert.equal(await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth), false, 'no sideways scrolling');
      assert.deepEqual(await audit(page), []);
      await screenshot(page, `builder-${size.name}`);
      assert.deepEqual(app.problems, []);
    } finally {
      await app.close();
    }
  });
}
