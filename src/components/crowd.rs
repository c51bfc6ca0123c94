//! The crowd: past [`DETAILED_TOKENS`] messages in flight, each is a dot on
//! a canvas laid over the picture, records as discs in their key's colour
//! and everything else as small squares.
//!
//! Drawn in SVG, the crowd was a path of a thousand arcs that the browser
//! parsed, measured and painted again every frame: with 1,400 messages in
//! flight that made one frame in ten miss its deadline (`?bench`). A canvas
//! takes the same dots as a few calls each, with no layout at all.
//!
//! The canvas sits in a `<foreignObject>` that covers the picture's
//! viewBox, so it draws in the picture's own units, and lets clicks through
//! to the nodes beneath. Its pixels follow the size it is shown at. What it
//! shows is said in words beside it: how many messages are in flight.
//!
//! [`DETAILED_TOKENS`]: crate::scene::DETAILED_TOKENS

use super::token::{child, set};
use crate::scene::{Token, TokenShape};
use std::f64::consts::TAU;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, Document, Element, HtmlCanvasElement};

const XHTML: &str = "http://www.w3.org/1999/xhtml";

/// How often, in frames, the canvas checks the size it is shown at. Reading
/// it makes the browser lay the page out there and then, so not every frame.
const MEASURE_EVERY: u32 = 30;

pub struct Crowd {
    holder: Element,
    canvas: HtmlCanvasElement,
    context: CanvasRenderingContext2d,
    count: Element,
    /// The picture's size in its own units, as last drawn.
    size: (f64, f64),
    /// Canvas pixels per picture unit.
    scale: f64,
    frames: u32,
    /// The dots of one frame, by colour and shape, in the order each first
    /// appears, so overlapping dots keep their order from frame to frame.
    batches: Vec<Batch>,
}

/// The dots of one colour and shape.
struct Batch {
    colour: &'static str,
    record: bool,
    dots: Vec<(f64, f64)>,
}

impl Crowd {
    /// The canvas and the count, added to `group` of a picture
    /// `width` × `height` in its own units.
    pub fn new(document: &Document, group: &Element, width: f64, height: f64) -> Option<Crowd> {
        let (w, h) = (width.to_string(), height.to_string());
        let holder = child(
            document,
            group,
            "foreignObject",
            &[
                ("class", "token-crowd"),
                ("width", &w),
                ("height", &h),
                ("aria-hidden", "true"),
            ],
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
            size: (width, height),
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
                }),
            }
        }
        let c = &self.context;
        // Only fails for a non-finite scale, which `fit` never sets.
        let _ = c.set_transform(self.scale, 0.0, 0.0, self.scale, 0.0, 0.0);
        c.clear_rect(0.0, 0.0, width, height);
        for Batch {
            colour,
            record,
            dots,
        } in &self.batches
        {
            if dots.is_empty() {
                continue;
            }
            c.set_fill_style_str(colour);
            c.begin_path();
            for &(x, y) in dots {
                if *record {
                    c.move_to(x + 8.0, y);
                    // Only fails for a negative radius.
                    let _ = c.arc(x, y, 8.0, 0.0, TAU);
                } else {
                    c.rect(x - 4.0, y - 4.0, 8.0, 8.0);
                }
            }
            c.fill();
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
            self.canvas.set_width((width * scale).round() as u32);
            self.canvas.set_height((height * scale).round() as u32);
        }
    }

    pub fn remove(self) {
        self.holder.remove();
        self.count.remove();
    }
}
