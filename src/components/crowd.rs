//! The crowd: past [`DETAILED_TOKENS`] messages in flight, each is a dot on
//! a canvas laid over the picture, records as discs in their key's colour
//! and everything else as small squares.
//!
//! Drawn in SVG, the crowd was a path of a thousand arcs that the browser
//! parsed, measured and painted again every frame: with 1,400 messages in
//! flight that made one frame in ten miss its deadline (`?bench`). Stamped
//! on a canvas with `drawImage`, one call per dot, 5,000 dots took 29 ms a
//! frame (`?bench&tokens=5000`): each call crosses from WebAssembly into
//! the browser and composites a small picture. So the crowd is drawn here,
//! in the page's own memory: each dot is a stamp of a small picture of it
//! (a sprite, made once per colour and shape, its edge softened), written
//! into a buffer of pixels the size of the part of the canvas the dots
//! cover, and handed to the canvas in one `putImageData`.
//!
//! The canvas sits in a `<foreignObject>` that covers the picture's
//! viewBox, so it draws in the picture's own units, and lets clicks through
//! to the nodes beneath. Its pixels follow the size it is shown at. What it
//! shows is said in words beside it: how many messages are in flight.
//!
//! [`DETAILED_TOKENS`]: crate::picture::DETAILED_TOKENS

use super::token::{child, set};
use crate::picture::{Token, TokenShape};
use wasm_bindgen::{Clamped, JsCast};
use web_sys::{CanvasRenderingContext2d, Document, Element, HtmlCanvasElement, ImageData};

const XHTML: &str = "http://www.w3.org/1999/xhtml";

/// How often, in frames, the canvas checks the size it is shown at. Reading
/// it makes the browser lay the page out there and then, so not every frame.
const MEASURE_EVERY: u32 = 30;

/// One pixel: red, green, blue and opacity (not premultiplied), as
/// `ImageData` has them.
type Pixel = [u8; 4];

pub struct Crowd {
    holder: Element,
    canvas: HtmlCanvasElement,
    context: CanvasRenderingContext2d,
    count: Element,
    /// The picture's size in its own units, as last drawn (none yet).
    size: (f64, f64),
    /// Canvas pixels per picture unit.
    scale: f64,
    frames: u32,
    /// The pixels of the part of the canvas the dots cover this frame.
    pixels: Vec<Pixel>,
    /// The canvas rectangle the last frame's dots covered (x, y, w, h).
    covered: Option<(u32, u32, u32, u32)>,
    /// One sprite per colour and shape, at the canvas's scale.
    sprites: Vec<Sprite>,
}

/// A dot of one colour and shape, drawn once: `side` × `side` pixels.
struct Sprite {
    colour: &'static str,
    record: bool,
    side: u32,
    pixels: Vec<Pixel>,
    /// Each row's inked pixels (from and to, exclusive) and its opaque
    /// run among them, the same colour throughout: stamped as a fill, the
    /// soft edges either side of it blended pixel by pixel.
    rows: Vec<Row>,
}

/// Where a sprite's row is inked, and where it is opaque (an empty run
/// at the end of the ink when it is nowhere opaque).
struct Row {
    ink: (i64, i64),
    solid: (i64, i64),
}

/// A disc's radius, and a square's half side, in picture units.
const DISC_R: f64 = 8.0;
const SQUARE_R: f64 = 4.0;

impl Crowd {
    /// The canvas and the count, added to `group`; the first
    /// [`draw`](Crowd::draw) sizes them to the picture.
    pub fn new(document: &Document, group: &Element) -> Option<Crowd> {
        let holder = child(
            document,
            group,
            "foreignObject",
            &[("class", "token-crowd"), ("aria-hidden", "true")],
        )?;
        let canvas: HtmlCanvasElement = document
            .create_element_ns(Some(XHTML), "canvas")
            .ok()?
            .dyn_into()
            .ok()?;
        holder.append_child(&canvas).ok()?;
        let context = canvas.get_context("2d").ok()??.dyn_into().ok()?;
        let count = child(
            document,
            group,
            "text",
            &[
                ("class", "token-count"),
                ("x", "20"),
                ("y", "44"),
                ("data-testid", "token-count"),
            ],
        )?;
        Some(Crowd {
            holder,
            canvas,
            context,
            count,
            size: (0.0, 0.0),
            scale: 0.0,
            frames: 0,
            pixels: Vec::new(),
            covered: None,
            sprites: Vec::new(),
        })
    }

    /// Draws `tokens` as they are now, each over those before it.
    pub fn draw(&mut self, tokens: &[Token], width: f64, height: f64) {
        self.fit(width, height);
        let (canvas_w, canvas_h) = (self.canvas.width(), self.canvas.height());
        // Where each dot goes (its sprite's top left corner, in canvas
        // pixels), and the rectangle they cover together.
        let mut stamps = Vec::with_capacity(tokens.len());
        let (mut left, mut top, mut right, mut bottom) = (i64::MAX, i64::MAX, i64::MIN, i64::MIN);
        for t in tokens {
            let sprite = self.sprite(t.colour, t.shape == TokenShape::Record);
            let side = i64::from(self.sprites[sprite].side);
            let x = (t.x * self.scale).round() as i64 - side / 2;
            let y = (t.y * self.scale).round() as i64 - side / 2;
            (left, top) = (left.min(x), top.min(y));
            (right, bottom) = (right.max(x + side), bottom.max(y + side));
            stamps.push((sprite, x, y));
        }
        let area = (
            left.max(0),
            top.max(0),
            right.min(i64::from(canvas_w)),
            bottom.min(i64::from(canvas_h)),
        );
        let covered = (area.0 < area.2 && area.1 < area.3).then(|| {
            let (x, y) = (area.0 as u32, area.1 as u32);
            (x, y, area.2 as u32 - x, area.3 as u32 - y)
        });
        if let Some((x, y, w, h)) = self.covered.take() {
            self.context
                .clear_rect(f64::from(x), f64::from(y), f64::from(w), f64::from(h));
        }
        if let Some((x, y, w, h)) = covered {
            self.pixels.clear();
            self.pixels.resize((w * h) as usize, [0; 4]);
            for &(sprite, sx, sy) in &stamps {
                let sprite = &self.sprites[sprite];
                stamp(
                    &mut self.pixels,
                    (w, h),
                    sprite,
                    (sx - i64::from(x), sy - i64::from(y)),
                );
            }
            let image = ImageData::new_with_u8_clamped_array_and_sh(
                Clamped(self.pixels.as_flattened()),
                w,
                h,
            );
            if let Ok(image) = image {
                // Only fails for an image of no size, which `covered` never is.
                let _ = self
                    .context
                    .put_image_data(&image, f64::from(x), f64::from(y));
            }
        }
        self.covered = covered;
        self.count.set_text_content(Some(&format!(
            "{} messages in flight, drawn as dots",
            tokens.len()
        )));
        set(&self.count, "data-count", &tokens.len().to_string());
    }

    /// The index of the sprite for a dot of `colour` (a disc for a record),
    /// made the first time it is needed.
    fn sprite(&mut self, colour: &'static str, record: bool) -> usize {
        // Colours are the pictures' constants: the same colour is the
        // same string, so comparing where it is stored will do.
        let same = |s: &Sprite| std::ptr::eq(s.colour, colour) && s.record == record;
        if let Some(i) = self.sprites.iter().position(same) {
            return i;
        }
        self.sprites.push(Sprite::new(colour, record, self.scale));
        self.sprites.len() - 1
    }

    /// Covers the picture, with one canvas pixel per screen pixel of the
    /// picture as shown.
    fn fit(&mut self, width: f64, height: f64) {
        let resized = self.size != (width, height);
        if resized {
            self.size = (width, height);
            set(&self.holder, "width", &width.to_string());
            set(&self.holder, "height", &height.to_string());
        }
        let due = resized || self.frames.is_multiple_of(MEASURE_EVERY);
        self.frames = self.frames.wrapping_add(1);
        if !due {
            return;
        }
        let ratio = web_sys::window().map_or(1.0, |w| w.device_pixel_ratio());
        // The holder's box on screen, after the picture's viewBox scaling
        // (the canvas's own client size is in picture units).
        let shown = self.holder.get_bounding_client_rect().width();
        let scale = if shown > 0.0 {
            shown / width * ratio
        } else {
            ratio
        };
        if scale.is_finite() && (scale - self.scale).abs() > 0.01 {
            self.scale = scale;
            self.sprites.clear();
            // Resizing clears the canvas.
            self.covered = None;
            self.canvas.set_width((width * scale).round() as u32);
            self.canvas.set_height((height * scale).round() as u32);
        }
    }

    pub fn remove(self) {
        self.holder.remove();
        self.count.remove();
    }
}

impl Sprite {
    /// A dot of `colour` (a disc for a record, else a square) at `scale`
    /// canvas pixels per picture unit; each pixel as opaque as the share of
    /// it the shape covers, so that edges are smooth.
    fn new(colour: &'static str, record: bool, scale: f64) -> Sprite {
        let r = if record { DISC_R } else { SQUARE_R } * scale;
        let side = (2.0 * r).ceil() as u32 + 2;
        let centre = f64::from(side) / 2.0;
        let [red, green, blue] = rgb(colour);
        let pixels = (0..side * side)
            .map(|i| {
                // The pixel's centre, from the sprite's centre.
                let dx = f64::from(i % side) + 0.5 - centre;
                let dy = f64::from(i / side) + 0.5 - centre;
                let inside = if record {
                    r - (dx * dx + dy * dy).sqrt()
                } else {
                    r - dx.abs().max(dy.abs())
                };
                let alpha = ((inside + 0.5).clamp(0.0, 1.0) * 255.0).round() as u8;
                [red, green, blue, alpha]
            })
            .collect::<Vec<Pixel>>();
        let rows = (pixels.chunks(side as usize))
            .map(|row| {
                let run = |inked: fn(&Pixel) -> bool| {
                    let from = row.iter().position(inked)?;
                    let to = row.iter().rposition(inked)? + 1;
                    Some((from as i64, to as i64))
                };
                let ink = run(|p| p[3] > 0).unwrap_or((0, 0));
                let solid = run(|p| p[3] == 255).unwrap_or((ink.1, ink.1));
                Row { ink, solid }
            })
            .collect();
        Sprite {
            colour,
            record,
            side,
            pixels,
            rows,
        }
    }
}

/// Stamps `sprite` into `pixels` (`w` × `h`) with its top left corner at
/// `(x, y)`, over what is there; what falls outside is cut off.
fn stamp(pixels: &mut [Pixel], (w, h): (u32, u32), sprite: &Sprite, (x, y): (i64, i64)) {
    let side = i64::from(sprite.side);
    let (left, right) = (x.max(0), (x + side).min(i64::from(w)));
    for row in y.max(0)..(y + side).min(i64::from(h)) {
        let Row { ink, solid } = sprite.rows[(row - y) as usize];
        let src = &sprite.pixels[((row - y) * side) as usize..][..side as usize];
        let dst = &mut pixels[(row * i64::from(w)) as usize..][..w as usize];
        // Columns from the sprite's left edge, cut to the buffer.
        let (from, to) = ((x + ink.0).max(left) - x, (x + ink.1).min(right) - x);
        let fill_from = solid.0.clamp(from, to.max(from));
        let fill_to = solid.1.clamp(fill_from, to.max(fill_from));
        let at = |column: i64| (x + column) as usize;
        for column in from..fill_from {
            over(&mut dst[at(column)], src[column as usize]);
        }
        if fill_from < fill_to {
            dst[at(fill_from)..at(fill_to)]
                .copy_from_slice(&src[fill_from as usize..fill_to as usize]);
        }
        for column in fill_to..to {
            over(&mut dst[at(column)], src[column as usize]);
        }
    }
}

/// Paints `src` over `dst`: "source over", on colours that are not
/// premultiplied. Only a sprite's soft edge comes here (its inside is
/// copied), thousands of times a frame, so it is kept to multiplications
/// and shifts but where both pixels are partly clear.
#[inline(always)]
fn over(dst: &mut Pixel, src: Pixel) {
    let (sa, da) = (u32::from(src[3]), u32::from(dst[3]));
    if sa == 255 || da == 0 {
        *dst = src;
    } else if da == 255 {
        for i in 0..3 {
            dst[i] = div255(u32::from(src[i]) * sa + u32::from(dst[i]) * (255 - sa));
        }
    } else if sa > 0 {
        // What shows of `dst` through `src`, then the two as one.
        let da = u32::from(div255(da * (255 - sa)));
        let out = sa + da;
        for i in 0..3 {
            dst[i] = ((u32::from(src[i]) * sa + u32::from(dst[i]) * da) / out) as u8;
        }
        dst[3] = out as u8;
    }
}

/// `x / 255` for `x` up to 255 × 255, without a division.
#[inline(always)]
fn div255(x: u32) -> u8 {
    ((x + 1 + (x >> 8)) >> 8) as u8
}

/// `#rrggbb` as red, green and blue; grey for anything else.
fn rgb(colour: &str) -> [u8; 3] {
    let channel = |i: usize| {
        colour
            .get(1 + 2 * i..3 + 2 * i)
            .and_then(|hex| u8::from_str_radix(hex, 16).ok())
    };
    match (colour.len(), channel(0), channel(1), channel(2)) {
        (7, Some(r), Some(g), Some(b)) => [r, g, b],
        _ => [128, 128, 128],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_read_from_hex() {
        assert_eq!(rgb("#e6550d"), [0xe6, 0x55, 0x0d]);
        assert_eq!(rgb("teal"), [128, 128, 128]);
    }

    /// A disc's middle is solid, its corners empty, its rim partly
    /// covered; a square is solid to its edge.
    #[test]
    fn sprites_are_shapes_with_soft_edges() {
        let disc = Sprite::new("#3182bd", true, 1.0);
        let side = disc.side as usize;
        let at = |s: &Sprite, x: usize, y: usize| s.pixels[y * s.side as usize + x];
        assert_eq!(at(&disc, side / 2, side / 2), [0x31, 0x82, 0xbd, 255]);
        assert_eq!(at(&disc, 0, 0)[3], 0);
        assert!(disc.pixels.iter().any(|p| p[3] > 0 && p[3] < 255));
        let square = Sprite::new("#3182bd", false, 1.0);
        assert_eq!(square.side, 10);
        assert_eq!(at(&square, 1, 1)[3], 255);
        assert_eq!(at(&square, 0, 0)[3], 0);
    }

    /// Each dot is painted over those before it, and what falls outside
    /// the buffer is cut off.
    #[test]
    fn stamps_paint_over_each_other_and_are_cut_at_the_edge() {
        let red = Sprite::new("#ff0000", false, 1.0);
        let blue = Sprite::new("#0000ff", false, 1.0);
        let mut pixels = vec![[0; 4]; 20 * 10];
        stamp(&mut pixels, (20, 10), &red, (0, 0));
        stamp(&mut pixels, (20, 10), &blue, (4, 0));
        stamp(&mut pixels, (20, 10), &red, (15, -5));
        stamp(&mut pixels, (20, 10), &blue, (-8, 8));
        // Only a disc's soft left edge is inside.
        let disc = Sprite::new("#00ff00", true, 1.0);
        stamp(&mut pixels, (20, 10), &disc, (19, 0));
        assert_eq!(pixels[5 * 20 + 2], [255, 0, 0, 255]);
        assert_eq!(
            pixels[9 * 20],
            [0, 0, 255, 255],
            "cut at the left and bottom"
        );
        assert_eq!(pixels[5 * 20 + 6], [0, 0, 255, 255], "blue over red");
        assert_eq!(
            pixels[2 * 20 + 19],
            [255, 0, 0, 255],
            "cut at the right and top"
        );
        // Half-covered over opaque stays opaque, between the two.
        let mut dst = [0, 0, 255, 255];
        over(&mut dst, [255, 0, 0, 128]);
        assert_eq!(dst, [128, 0, 127, 255]);
        // Half over half: three quarters covered, two thirds of it red.
        let mut dst = [0, 0, 255, 128];
        over(&mut dst, [255, 0, 0, 128]);
        assert_eq!(dst, [170, 0, 84, 191]);
        assert!((0..=255 * 255).all(|x| u32::from(div255(x)) == x / 255));
    }
}
