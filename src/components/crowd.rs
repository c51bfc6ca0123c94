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
//! cover, and handed to the canvas in one `putImageData`. A sprite is kept
//! as its opaque runs, filled with its colour, and its soft edge, blended
//! pixel by pixel; the buffer has a margin a sprite wide all round, so
//! that a dot the canvas's edge cuts is stamped whole all the same and
//! the cut is made when the buffer is put.
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
    buffer: Buffer,
    /// The canvas rectangle the last frame's dots covered.
    covered: Option<Rect>,
    /// One sprite per colour and shape, at the canvas's scale and for
    /// the buffer's stride.
    sprites: Vec<Sprite>,
}

/// A rectangle of canvas pixels: left, top, width and height.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Rect {
    x: u32,
    y: u32,
    w: u32,
    h: u32,
}

/// A dot of one colour and shape, drawn once: `side` × `side` pixels,
/// kept as what stamping it writes into a buffer `stride` pixels wide.
struct Sprite {
    colour: &'static str,
    record: bool,
    side: u32,
    /// The colour, opaque: what the opaque runs are filled with.
    solid: Pixel,
    /// Each row's opaque run: where it starts from the sprite's top left
    /// corner in the buffer, and how long it is.
    runs: Vec<(usize, usize)>,
    /// The soft edge: each partly covered pixel, and where it is.
    edge: Vec<(usize, Pixel)>,
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
            buffer: Buffer::default(),
            covered: None,
            sprites: Vec::new(),
        })
    }

    /// Draws `tokens` as they are now, each over those before it.
    pub fn draw(&mut self, tokens: &[Token], width: f64, height: f64) {
        self.fit(width, height);
        // Where each dot goes: its sprite and top left corner, in canvas
        // pixels.
        let mut dots = Vec::with_capacity(tokens.len());
        for t in tokens {
            let sprite = self.sprite(t.colour, t.shape == TokenShape::Record);
            let half = i64::from(self.sprites[sprite].side / 2);
            let x = (t.x * self.scale).round() as i64 - half;
            let y = (t.y * self.scale).round() as i64 - half;
            dots.push((sprite, x, y));
        }
        if let Some(Rect { x, y, w, h }) = self.covered.take() {
            let [x, y, w, h] = [x, y, w, h].map(f64::from);
            self.context.clear_rect(x, y, w, h);
        }
        let canvas = (self.canvas.width(), self.canvas.height());
        let covered = self.buffer.paint(canvas, &self.sprites, &dots);
        if let Some(Rect { x, y, w, h }) = covered {
            let (stride, rows, margin) = self.buffer.shape();
            let image = ImageData::new_with_u8_clamped_array_and_sh(
                Clamped(self.buffer.pixels.as_flattened()),
                stride,
                rows,
            );
            if let Ok(image) = image {
                // The buffer's top left corner goes a margin above and to
                // the left of the covered rows; only the covered rectangle
                // is put. Only fails for an image of no size, which the
                // buffer never is.
                let [m, x, y, w, h] = [margin, x, y, w, h].map(f64::from);
                let _ = self
                    .context
                    .put_image_data_with_dirty_x_and_dirty_y_and_dirty_width_and_dirty_height(
                        &image,
                        -m,
                        y - m,
                        x + m,
                        m,
                        w,
                        h,
                    );
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
        let sprite = Sprite::new(colour, record, self.scale, self.buffer.stride);
        self.sprites.push(sprite);
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
        }
        let pixels = (
            (width * self.scale).round() as u32,
            (height * self.scale).round() as u32,
        );
        if resized || pixels != (self.canvas.width(), self.canvas.height()) {
            // Resizing clears the canvas.
            self.covered = None;
            self.canvas.set_width(pixels.0);
            self.canvas.set_height(pixels.1);
            // Sprites are made for one scale and one stride.
            self.sprites.clear();
            let margin = Sprite::side(true, self.scale);
            self.buffer = Buffer::new(pixels.0, margin);
        }
    }

    pub fn remove(self) {
        self.holder.remove();
        self.count.remove();
    }
}

/// The canvas rows a frame's dots cover, whole, with a margin all round as
/// wide as the widest sprite: every dot that shows on the canvas fits in
/// it whole, so none is cut while stamping.
#[derive(Default)]
struct Buffer {
    pixels: Vec<Pixel>,
    /// Pixels per row: the canvas's width and a margin either side.
    stride: u32,
    margin: u32,
}

impl Buffer {
    fn new(canvas_width: u32, margin: u32) -> Buffer {
        Buffer {
            pixels: Vec::new(),
            stride: canvas_width + 2 * margin,
            margin,
        }
    }

    /// Its width, height and margin, in pixels.
    fn shape(&self) -> (u32, u32, u32) {
        let rows = self.pixels.len() as u32 / self.stride.max(1);
        (self.stride, rows, self.margin)
    }

    /// Clears the buffer to the rows `dots` cover on a canvas of
    /// `(width, height)` pixels and stamps each dot (a sprite and its top
    /// left corner on the canvas) over those before it; dots that do not
    /// show on the canvas are left out. The rectangle of the canvas they
    /// cover, if any.
    fn paint(
        &mut self,
        (width, height): (u32, u32),
        sprites: &[Sprite],
        dots: &[(usize, i64, i64)],
    ) -> Option<Rect> {
        let (width, height) = (i64::from(width), i64::from(height));
        let shows = |&&(sprite, x, y): &&(usize, i64, i64)| {
            let side = i64::from(sprites[sprite].side);
            x + side > 0 && x < width && y + side > 0 && y < height
        };
        let (mut left, mut top, mut right, mut bottom) = (width, height, 0, 0);
        for &(sprite, x, y) in dots.iter().filter(shows) {
            let side = i64::from(sprites[sprite].side);
            (left, top) = (left.min(x.max(0)), top.min(y.max(0)));
            (right, bottom) = (right.max(x + side), bottom.max(y + side));
        }
        let (right, bottom) = (right.min(width), bottom.min(height));
        if left >= right || top >= bottom {
            return None;
        }
        let (margin, stride) = (i64::from(self.margin), i64::from(self.stride));
        self.pixels.clear();
        let rows = bottom - top + 2 * margin;
        self.pixels.resize((stride * rows) as usize, [0; 4]);
        for &(sprite, x, y) in dots.iter().filter(shows) {
            let origin = (y - top + margin) * stride + x + margin;
            sprites[sprite].stamp(&mut self.pixels[origin as usize..]);
        }
        let [x, y, w, h] = [left, top, right - left, bottom - top].map(|n| n as u32);
        Some(Rect { x, y, w, h })
    }
}

impl Sprite {
    /// A disc's radius (a record's) or a square's half side, in canvas
    /// pixels at `scale` canvas pixels per picture unit.
    fn radius(record: bool, scale: f64) -> f64 {
        let units = if record { DISC_R } else { SQUARE_R };
        units * scale
    }

    /// The side of a sprite for a disc or a square: the shape and a pixel
    /// either side.
    fn side(record: bool, scale: f64) -> u32 {
        (2.0 * Sprite::radius(record, scale)).ceil() as u32 + 2
    }

    /// A dot of `colour` (a disc for a record, else a square) at `scale`
    /// canvas pixels per picture unit, for a buffer `stride` pixels wide;
    /// each pixel as opaque as the share of it the shape covers, so that
    /// edges are smooth.
    fn new(colour: &'static str, record: bool, scale: f64, stride: u32) -> Sprite {
        let r = Sprite::radius(record, scale);
        let side = Sprite::side(record, scale);
        let centre = f64::from(side) / 2.0;
        let [red, green, blue] = rgb(colour);
        let solid = [red, green, blue, 255];
        let (mut runs, mut edge) = (Vec::new(), Vec::new());
        for row in 0..side {
            let at = |column: u32| (row * stride + column) as usize;
            let mut run: Option<(u32, u32)> = None;
            for column in 0..side {
                // The pixel's centre, from the sprite's centre.
                let dx = f64::from(column) + 0.5 - centre;
                let dy = f64::from(row) + 0.5 - centre;
                let inside = if record {
                    r - (dx * dx + dy * dy).sqrt()
                } else {
                    r - dx.abs().max(dy.abs())
                };
                let alpha = ((inside + 0.5).clamp(0.0, 1.0) * 255.0).round() as u8;
                match alpha {
                    0 => {}
                    255 => run = Some((run.map_or(column, |r| r.0), column + 1)),
                    _ => edge.push((at(column), [red, green, blue, alpha])),
                }
            }
            // A convex shape is opaque in one run per row at most.
            if let Some((from, to)) = run {
                runs.push((at(from), (to - from) as usize));
            }
        }
        Sprite {
            colour,
            record,
            side,
            solid,
            runs,
            edge,
        }
    }

    /// Stamps the sprite over what is in `dot`, a buffer of the sprite's
    /// stride from its top left corner.
    fn stamp(&self, dot: &mut [Pixel]) {
        for &(at, len) in &self.runs {
            dot[at..][..len].fill(self.solid);
        }
        for &(at, pixel) in &self.edge {
            over(&mut dot[at], pixel);
        }
    }
}

/// Paints `src` over `dst`: "source over", on colours that are not
/// premultiplied. Only a sprite's soft edge comes here (its inside is
/// filled), thousands of times a frame, so it is kept to multiplications
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

    /// A sprite stamped alone into a buffer of its own width.
    fn alone(colour: &'static str, record: bool) -> (Vec<Pixel>, usize) {
        let side = Sprite::side(record, 1.0);
        let sprite = Sprite::new(colour, record, 1.0, side);
        let mut pixels = vec![[0; 4]; (side * side) as usize];
        sprite.stamp(&mut pixels);
        (pixels, side as usize)
    }

    /// A disc's middle is solid, its corners empty, its rim partly
    /// covered; a square is solid to its edge.
    #[test]
    fn sprites_are_shapes_with_soft_edges() {
        let (disc, side) = alone("#3182bd", true);
        assert_eq!(disc[side / 2 * side + side / 2], [0x31, 0x82, 0xbd, 255]);
        assert_eq!(disc[0][3], 0);
        assert!(disc.iter().any(|p| p[3] > 0 && p[3] < 255));
        let (square, side) = alone("#3182bd", false);
        assert_eq!(side, 10);
        assert_eq!(square[side + 1][3], 255);
        assert_eq!(square[0][3], 0);
    }

    /// Each dot is painted over those before it; the buffer covers the
    /// canvas rows they touch, and a dot the canvas's edge cuts is stamped
    /// whole into the margin, to be cut when the buffer is put.
    #[test]
    fn dots_paint_over_each_other_and_the_canvas_edge_cuts_them() {
        let (canvas, margin) = ((20, 10), Sprite::side(true, 1.0));
        let mut buffer = Buffer::new(canvas.0, margin);
        let stride = buffer.stride;
        let sprites = [
            Sprite::new("#ff0000", false, 1.0, stride),
            Sprite::new("#0000ff", false, 1.0, stride),
            Sprite::new("#00ff00", true, 1.0, stride),
        ];
        let (red, blue, green) = (0, 1, 2);
        let dots = [
            (red, 0, 0),
            (blue, 4, 0),
            (red, 15, -5),
            (blue, -8, 8),
            // Only the disc's soft left edge is on the canvas.
            (green, 18, 0),
            // Wholly off the canvas: left out.
            (green, 40, 40),
            (red, -30, 2),
        ];
        let covered = buffer.paint(canvas, &sprites, &dots);
        assert_eq!(
            covered,
            Some(Rect {
                x: 0,
                y: 0,
                w: 20,
                h: 10
            })
        );
        let (stride, rows, margin) = buffer.shape();
        assert_eq!((stride, rows), (20 + 2 * margin, 10 + 2 * margin));
        // A canvas pixel, in the buffer.
        let at = |x: u32, y: u32| buffer.pixels[((y + margin) * stride + x + margin) as usize];
        assert_eq!(at(2, 5), [255, 0, 0, 255]);
        assert_eq!(at(6, 5), [0, 0, 255, 255], "blue over red");
        assert_eq!(at(0, 9), [0, 0, 255, 255], "cut at the left and bottom");
        assert_eq!(at(19, 2), [255, 0, 0, 255], "cut at the right and top");
        let rim = at(19, 9);
        assert!(rim[1] == 255 && rim[3] > 0 && rim[3] < 255, "{rim:?}");
        // Only the rows the dots touch.
        let dots = [(red, 3, 4)];
        let covered = buffer.paint(canvas, &sprites, &dots);
        assert_eq!(
            covered,
            Some(Rect {
                x: 3,
                y: 4,
                w: 10,
                h: 6
            })
        );
        assert_eq!(buffer.shape().1, 6 + 2 * margin);
        assert_eq!(buffer.paint(canvas, &sprites, &[(red, 20, 0)]), None);
    }

    /// Paints over what is there, softly, and cheaply.
    #[test]
    fn soft_edges_blend_over_what_is_beneath() {
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
