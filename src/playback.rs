//! Playback: the engine running in the page, paced by the wall clock.
//!
//! Each animation frame reports how much real time passed. Playback turns it
//! into virtual time (times the speed), runs the engine up to there, and
//! folds the new events into the [`World`]. The engine only ever moves
//! forward in virtual time; the view interpolates between events.

use crate::rabbit::world::RabbitWorld;
use crate::world::World;
use mqsim::scenario::ViewSpec;
use mqsim::{Scenario, SimTime, Simulation};

/// Speeds offered to the user, as multiples of real time.
pub const SPEEDS: [f64; 7] = [0.25, 0.5, 1.0, 2.0, 4.0, 10.0, 25.0];

/// The most virtual time one frame may advance, so that a tab that was in the
/// background for a minute does not replay that minute in one frame.
const MAX_FRAME_MS: f64 = 250.0;

/// A scenario being played.
pub struct Playback {
    scenario: Scenario,
    sim: Simulation,
    world: World,
    rabbit: RabbitWorld,
    /// Virtual time shown, in fractional milliseconds for smooth motion.
    clock_ms: f64,
    playing: bool,
    speed: f64,
}

impl Playback {
    /// Starts `scenario` where its view says: at its moment (the engine
    /// runs there at once), speed and paused or playing.
    pub fn new(scenario: Scenario) -> Playback {
        let view = scenario.file().view.clone();
        let mut playback = Playback {
            sim: Simulation::new(&scenario),
            world: World::new(&scenario),
            rabbit: RabbitWorld::new(&scenario),
            scenario,
            clock_ms: 0.0,
            playing: !view.paused,
            speed: view.speed,
        };
        playback.advance_to(view.at_ms as f64);
        playback
    }

    /// The scenario with the view as it is now: what a share link carries,
    /// so that it opens at this moment.
    pub fn shared(&self) -> Scenario {
        let mut file = self.scenario.file().clone();
        file.view = ViewSpec {
            at_ms: self.clock_ms.floor() as u64,
            speed: self.speed,
            paused: !self.playing,
        };
        file.validate().unwrap_or_else(|_| self.scenario.clone())
    }

    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    pub fn world(&self) -> &World {
        &self.world
    }

    /// The RabbitMQ side, as the view knows it.
    pub fn rabbit(&self) -> &RabbitWorld {
        &self.rabbit
    }

    /// The virtual time shown, in milliseconds.
    pub fn clock_ms(&self) -> f64 {
        self.clock_ms
    }

    pub fn playing(&self) -> bool {
        self.playing
    }

    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// The scenario's length, in milliseconds.
    pub fn duration_ms(&self) -> f64 {
        self.scenario.file().duration_ms as f64
    }

    pub fn toggle_playing(&mut self) {
        if self.finished() {
            self.restart();
        } else {
            self.playing = !self.playing;
        }
    }

    pub fn set_speed(&mut self, speed: f64) {
        if speed.is_finite() && speed > 0.0 {
            self.speed = speed;
        }
    }

    /// Starts the same scenario again from time zero.
    pub fn restart(&mut self) {
        let speed = self.speed;
        let mut file = self.scenario.file().clone();
        file.view = ViewSpec::default();
        if let Ok(from_zero) = file.validate() {
            *self = Playback::new(from_zero);
        }
        self.speed = speed;
    }

    pub fn finished(&self) -> bool {
        self.clock_ms >= self.duration_ms()
    }

    /// Advances by `wall_ms` of real time. Returns whether anything visible
    /// changed (false while paused).
    pub fn tick(&mut self, wall_ms: f64) -> bool {
        if !self.playing || !wall_ms.is_finite() || wall_ms <= 0.0 {
            return false;
        }
        let step = (wall_ms * self.speed).min(MAX_FRAME_MS * self.speed);
        self.advance_to(self.clock_ms + step);
        if self.finished() {
            self.playing = false;
        }
        true
    }

    /// Moves virtual time forward to `clock_ms` (never past the end).
    pub fn advance_to(&mut self, clock_ms: f64) {
        self.clock_ms = clock_ms.clamp(self.clock_ms, self.duration_ms());
        let until = SimTime::from_millis(self.clock_ms.floor() as u64);
        let mut events = Vec::new();
        self.sim.run_until(until, &mut events);
        for event in &events {
            self.world.apply(event);
            self.rabbit.apply(event);
        }
        self.world.land_until(until);
        self.rabbit.land_until(until);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mqsim::scenario::presets;

    #[test]
    fn frames_advance_virtual_time_by_speed() {
        let mut p = Playback::new(presets::default_scenario());
        p.set_speed(2.0);
        assert!(p.tick(100.0));
        assert_eq!(p.clock_ms(), 200.0);
    }

    /// A shared link opens where it was taken: the view's moment, speed
    /// and pause; sharing again carries the moment on.
    #[test]
    fn the_view_sets_where_a_scenario_opens() {
        let mut file = presets::default_scenario().file().clone();
        file.view = ViewSpec {
            at_ms: 5_000,
            speed: 4.0,
            paused: true,
        };
        let p = Playback::new(file.validate().expect("valid"));
        assert_eq!(
            (p.clock_ms(), p.speed(), p.playing()),
            (5_000.0, 4.0, false)
        );
        assert!(
            p.world().topics[0]
                .partitions
                .iter()
                .any(|log| log.log_end > 0)
        );
        let mut again = Playback::new(p.shared());
        assert_eq!(again.clock_ms(), 5_000.0);
        again.restart();
        assert_eq!(again.clock_ms(), 0.0, "restart starts from zero");
    }

    #[test]
    fn a_paused_playback_does_not_move() {
        let mut p = Playback::new(presets::default_scenario());
        p.toggle_playing();
        assert!(!p.tick(100.0));
        assert_eq!(p.clock_ms(), 0.0);
    }

    #[test]
    fn a_long_gap_between_frames_is_capped() {
        let mut p = Playback::new(presets::default_scenario());
        p.tick(60_000.0);
        assert_eq!(p.clock_ms(), MAX_FRAME_MS);
    }

    /// The world the view folds from the trace agrees with the engine's own
    /// summary: log ends and committed offsets are the same.
    #[test]
    fn the_folded_world_agrees_with_the_engine() {
        let mut p = Playback::new(presets::default_scenario());
        for _ in 0..200 {
            p.tick(100.0);
        }
        let summary = p.sim.kafka_summary();
        for (t, topic) in summary.topics.iter().enumerate() {
            for part in &topic.partitions {
                let view = &p.world().topics[t].partitions[part.partition as usize];
                assert_eq!(view.log_end, part.log_end_offset);
            }
        }
        let group = &summary.groups[0];
        for part in &group.partitions {
            let tp = mqsim::ids::TopicPartition {
                topic: mqsim::ids::TopicId(0),
                partition: part.partition,
            };
            assert_eq!(
                p.world().groups[0].committed.get(&tp).copied(),
                part.committed_offset
            );
        }
        assert!(
            group
                .partitions
                .iter()
                .all(|p| p.committed_offset.is_some())
        );
    }

    #[test]
    fn playback_stops_at_the_end_and_restarts_on_play() {
        let mut p = Playback::new(presets::default_scenario());
        p.advance_to(f64::MAX);
        assert!(p.finished());
        p.tick(10.0);
        assert!(!p.playing());
        p.toggle_playing();
        assert_eq!(p.clock_ms(), 0.0);
        assert!(p.playing());
    }
}
