//! Zooming into the picture and moving about in it: pinch and drag on a
//! touch screen, or the zoom buttons beside the playback controls.
//!
//! The picture is drawn fitted to the page's width; on a phone that makes
//! its text small, so a student zooms in on the part they are reading. A
//! [`Zoom`] is a scale and an offset, applied to the picture as a CSS
//! transform (`translate(x, y) scale(s)`, from the top left corner) inside
//! a viewport that clips what overflows. Zoomed in, the viewport grows
//! taller with the picture, up to a limit (a phone's picture is short:
//! zoomed, it may take most of the screen). It never zooms out past the
//! fitted picture, and never pans the picture off its viewport, so there is
//! always picture under the fingers.

/// How far in the picture can be zoomed.
pub const MAX_SCALE: f64 = 4.0;

/// The scale and offset of the picture in its viewport.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Zoom {
    pub scale: f64,
    /// Where the picture's top left corner is, in viewport pixels (zero or
    /// negative).
    pub x: f64,
    pub y: f64,
}

impl Default for Zoom {
    fn default() -> Zoom {
        Zoom {
            scale: 1.0,
            x: 0.0,
            y: 0.0,
        }
    }
}

/// A button's zoom.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZoomStep {
    In,
    Out,
    /// Back to the whole picture, fitted to the width.
    Fit,
}

/// A point in viewport pixels.
pub type Point = (f64, f64);

/// Where the picture is zoomed: its size fitted to the page, and how tall
/// its viewport may grow.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Room {
    pub width: f64,
    pub height: f64,
    /// The tallest the viewport grows when zoomed in.
    pub tallest: f64,
}

impl Room {
    /// The viewport's height at `scale`.
    pub fn view_height(&self, scale: f64) -> f64 {
        (self.height * scale).min(self.tallest.max(self.height))
    }
}

impl Zoom {
    pub fn is_zoomed(&self) -> bool {
        self.scale > 1.0
    }

    /// The CSS transform that draws this zoom.
    pub fn css(&self) -> String {
        format!(
            "translate({:.1}px, {:.1}px) scale({:.4})",
            self.x, self.y, self.scale
        )
    }

    /// A button's step, about the middle of the viewport.
    pub fn step(self, step: ZoomStep, room: Room) -> Zoom {
        let middle = (room.width / 2.0, room.view_height(self.scale) / 2.0);
        match step {
            ZoomStep::In => self.about(1.5, middle, room),
            ZoomStep::Out => self.about(1.0 / 1.5, middle, room),
            ZoomStep::Fit => Zoom::default(),
        }
    }

    /// Scaled by `factor`, the picture's point under `at` staying there.
    pub fn about(self, factor: f64, at: Point, room: Room) -> Zoom {
        let scale = (self.scale * factor).clamp(1.0, MAX_SCALE);
        let ratio = scale / self.scale;
        Zoom {
            scale,
            x: at.0 - (at.0 - self.x) * ratio,
            y: at.1 - (at.1 - self.y) * ratio,
        }
        .within(room)
    }

    /// Moved by `(dx, dy)` pixels, as a finger drags it.
    pub fn pan(self, dx: f64, dy: f64, room: Room) -> Zoom {
        Zoom {
            x: self.x + dx,
            y: self.y + dy,
            ..self
        }
        .within(room)
    }

    /// Two fingers that started at `from` (with the picture at `self`) and
    /// are now at `to`: the picture scales with their distance, and the
    /// point between them follows their midpoint.
    pub fn pinch(self, from: [Point; 2], to: [Point; 2], room: Room) -> Zoom {
        let distance = |[a, b]: [Point; 2]| ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt();
        let middle = |[a, b]: [Point; 2]| ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
        let (before, now) = (distance(from), distance(to));
        if before < 1.0 {
            return self;
        }
        let scale = (self.scale * now / before).clamp(1.0, MAX_SCALE);
        // The picture's point under the first midpoint, in picture pixels.
        let (start, end) = (middle(from), middle(to));
        let point = (
            (start.0 - self.x) / self.scale,
            (start.1 - self.y) / self.scale,
        );
        Zoom {
            scale,
            x: end.0 - point.0 * scale,
            y: end.1 - point.1 * scale,
        }
        .within(room)
    }

    /// Kept so that the picture covers its viewport.
    fn within(self, room: Room) -> Zoom {
        let scale = self.scale.clamp(1.0, MAX_SCALE);
        let (width, height) = (room.width, room.view_height(scale));
        Zoom {
            scale,
            x: self.x.clamp(width - room.width * scale, 0.0),
            y: self.y.clamp((height - room.height * scale).min(0.0), 0.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A picture 400 by 300, whose viewport does not grow.
    const VIEW: Room = Room {
        width: 400.0,
        height: 300.0,
        tallest: 300.0,
    };

    #[test]
    fn zooming_in_keeps_the_point_under_the_finger() {
        let zoom = Zoom::default().about(2.0, (100.0, 50.0), VIEW);
        assert_eq!(zoom.scale, 2.0);
        // The picture's (100, 50) is still drawn at (100, 50).
        assert_eq!(
            (100.0 * zoom.scale + zoom.x, 50.0 * zoom.scale + zoom.y),
            (100.0, 50.0)
        );
    }

    #[test]
    fn it_never_zooms_out_past_the_fitted_picture_nor_in_past_the_limit() {
        assert_eq!(Zoom::default().step(ZoomStep::Out, VIEW), Zoom::default());
        let mut zoom = Zoom::default();
        for _ in 0..10 {
            zoom = zoom.step(ZoomStep::In, VIEW);
        }
        assert_eq!(zoom.scale, MAX_SCALE);
        assert_eq!(zoom.step(ZoomStep::Fit, VIEW), Zoom::default());
    }

    #[test]
    fn panning_stops_at_the_picture_s_edges() {
        let zoom = Zoom::default().about(2.0, (0.0, 0.0), VIEW);
        assert_eq!(
            zoom.pan(50.0, 50.0, VIEW),
            zoom,
            "the top left corner stays put"
        );
        let far = zoom.pan(-10_000.0, -10_000.0, VIEW);
        assert_eq!(
            (far.x, far.y),
            (-400.0, -300.0),
            "the bottom right corner at the viewport's"
        );
        assert!(!Zoom::default().is_zoomed());
        assert_eq!(Zoom::default().pan(30.0, 0.0, VIEW), Zoom::default());
    }

    /// A phone's short picture: zoomed in, its viewport grows up to the
    /// limit, and panning reaches the zoomed picture's bottom edge.
    #[test]
    fn zoomed_in_the_viewport_grows_to_its_limit() {
        let room = Room {
            width: 360.0,
            height: 100.0,
            tallest: 450.0,
        };
        assert_eq!(room.view_height(1.0), 100.0);
        assert_eq!(room.view_height(3.0), 300.0);
        assert_eq!(room.view_height(4.0), 400.0);
        let zoom = Zoom::default().about(4.0, (0.0, 0.0), room);
        let bottom = zoom.pan(0.0, -1_000.0, room);
        assert_eq!(bottom.y, 0.0, "400 px of picture in a 400 px viewport");
        let short = Room {
            tallest: 250.0,
            ..room
        };
        let bottom = Zoom::default()
            .about(4.0, (0.0, 0.0), short)
            .pan(0.0, -1_000.0, short);
        assert_eq!(bottom.y, -150.0, "400 px of picture in a 250 px viewport");
    }

    #[test]
    fn a_pinch_scales_with_the_fingers_and_follows_their_midpoint() {
        let from = [(150.0, 150.0), (250.0, 150.0)];
        let apart = [(100.0, 150.0), (300.0, 150.0)];
        let zoom = Zoom::default().pinch(from, apart, VIEW);
        assert_eq!(zoom.scale, 2.0);
        // The point under the midpoint (200, 150) stays under it.
        assert_eq!((200.0 * 2.0 + zoom.x, 150.0 * 2.0 + zoom.y), (200.0, 150.0));
        // Both fingers then move left together: the picture follows.
        let moved = zoom.pinch(apart, [(60.0, 150.0), (260.0, 150.0)], VIEW);
        assert_eq!(moved.scale, 2.0);
        assert_eq!(moved.x, zoom.x - 40.0);
        assert_eq!(
            zoom.css(),
            format!("translate({:.1}px, {:.1}px) scale(2.0000)", zoom.x, zoom.y)
        );
    }
}
