//! The crowd: past [`DETAILED_TOKENS`] messages in flight, each is a dot on
//! a canvas laid over the picture, records as discs in their key's colour
//! and everything else as small squares.
//!
//! Drawn in SVG, the crowd was a path of a thousand arcs that the browser
//! parsed, measured and painted again every frame: with 1,400 messages in
//! flight that made one frame in ten miss its deadline (`?bench`). On a
//! canvas there is no layout, and each dot is one stamp of a small picture
//! of it (a sprite, drawn once per colour and shape): filling a thousand
//! circles anew every frame still cost most of a frame.
//!
//! The canvas sits in a `<foreignObject>` that covers the picture's
//! viewBox, so it draws in the picture's own units, and lets clicks through
//! to the nodes beneath. Its pixels follow the size it is shown at. What it
//! shows is said in words beside it: how many messages are in flight.
//!
//! [`DETAILED_TOKENS`]: crate::picture::DETAILED_TOKENS

use super::token::{child, set};
use crate::picture::{Token, TokenShape};
use std::f64::consts::TAU;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, Document, Element, HtmlCanvasElement};

const XHTML: &str = "http://www.w3.org/1999/xhtml";

/// How often, in frames, the canvas checks the size it is shown at. Reading
/// it makes the browser lay the page out there and then, so not every frame.
const MEASURE_EVERY: u32 = 30;

pub struct Crowd {
    document: Document,
    holder: Element,
    canvas: HtmlCanvasElement,
    context: CanvasRenderingContext2d,
    count: Element,
    /// The picture's size in its own units, as last drawn (none yet).
    size: (f64, f64),
    /// Canvas pixels per picture unit.
    scale: f64,
    frames: u32,
    /// The dots of one frame, by colour and shape, in the order each first
    /// appears, so overlapping dots keep their order from frame to frame.
    batches: Vec<Batch>,
}

/// The dots of one colour and shape, and the picture of one such dot.
struct Batch {
    colour: &'static str,
    record: bool,
    dots: Vec<(f64, f64)>,
    /// One dot drawn at the canvas's scale: stamping a small picture is
    /// far cheaper for the browser than filling a thousand circles.
    sprite: Option<HtmlCanvasElement>,
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
            document: document.clone(),
            holder,
            canvas,
            context,
            count,
            size: (0.0, 0.0),
            scale: 0.0,
            frames: 0,
            batches: Vec::new(),
        })
    }

    /// Draws `tokens` as they are now.
    pub fn draw(&mut self, tokens: &[Token], width: f64, height: f64) {
        self.fit(width, height);
        for batch in &mut self.batches {
            batch.dots.clear();
        }
        for t in tokens {
            let record = t.shape == TokenShape::Record;
            let at = self
                .batches
                .iter()
                .position(|b| b.colour == t.colour && b.record == record);
            match at {
                Some(i) => self.batches[i].dots.push((t.x, t.y)),
                None => self.batches.push(Batch {
                    colour: t.colour,
                    record,
                    dots: vec![(t.x, t.y)],
                    sprite: None,
                }),
            }
        }
        let c = &self.context;
        // In canvas pixels from here: dots are stamped on whole pixels.
        let _ = c.set_transform(1.0, 0.0, 0.0, 1.0, 0.0, 0.0);
        let (w, h) = (self.canvas.width(), self.canvas.height());
        c.clear_rect(0.0, 0.0, f64::from(w), f64::from(h));
        for batch in &mut self.batches {
            if batch.dots.is_empty() {
                continue;
            }
            if batch.sprite.is_none() {
                batch.sprite = sprite(&self.document, batch.colour, batch.record, self.scale);
            }
            let Some(sprite) = &batch.sprite else {
                continue;
            };
            let half = f64::from(sprite.width() / 2);
            for &(x, y) in &batch.dots {
                let (px, py) = (
                    (x * self.scale).round() - half,
                    (y * self.scale).round() - half,
                );
                // Only fails for a sprite of no size, which `sprite` never makes.
                let _ = c.draw_image_with_html_canvas_element(sprite, px, py);
            }
        }
        self.count.set_text_content(Some(&format!(
            "{} messages in flight, drawn as dots",
            tokens.len()
        )));
        set(&self.count, "data-count", &tokens.len().to_string());
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
            for batch in &mut self.batches {
                batch.sprite = None;
            }
            self.canvas.set_width((width * scale).round() as u32);
            self.canvas.set_height((height * scale).round() as u32);
        }
    }

    pub fn remove(self) {
        self.holder.remove();
        self.count.remove();
    }
}

/// One dot of `colour` (a disc for a record, else a square) drawn at
/// `scale` canvas pixels per picture unit, centred in its own small canvas.
fn sprite(
    document: &Document,
    colour: &str,
    record: bool,
    scale: f64,
) -> Option<HtmlCanvasElement> {
    let r = if record { DISC_R } else { SQUARE_R };
    let side = (2.0 * r * scale).ceil() as u32 + 2;
    let canvas: HtmlCanvasElement = document.create_element("canvas").ok()?.dyn_into().ok()?;
    canvas.set_width(side);
    canvas.set_height(side);
    let c: CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
    let centre = f64::from(side) / 2.0;
    c.set_fill_style_str(colour);
    if record {
        c.begin_path();
        c.arc(centre, centre, r * scale, 0.0, TAU).ok()?;
        c.fill();
    } else {
        c.fill_rect(
            centre - r * scale,
            centre - r * scale,
            2.0 * r * scale,
            2.0 * r * scale,
        );
    }
    Some(canvas)
}
