//! The page following a live run of `mqsim serve` ([`crate::live`]): the
//! socket's news played into the stage, and what the page does to the run
//! asked of the server instead of written into the page's own timeline.

use super::stage::{Notice, Stage};
use crate::live::{self, Heard, LiveLink};
use crate::playback::Playback;
use mqsim::live::{Ask, News};
use mqsim::scenario::{Intervention, TimelineEntry};

/// The live run the page follows, for the banner.
#[derive(Default)]
pub(super) struct Following {
    /// The socket, while it is open.
    link: Option<LiveLink>,
    /// Client connections open at the server.
    pub(super) connections: u32,
    /// Why the run stopped being followed, once it has.
    pub(super) lost: Option<String>,
    /// Whether this page was opened to follow a live run at all.
    pub(super) live: bool,
}

/// Where an action of the page went.
pub(super) enum Done {
    /// Into the page's own timeline.
    Here,
    /// Asked of the live run; it comes back as the run's entry.
    Asked,
}

impl Stage {
    /// Follows the live run this page was served for, if it was.
    pub(super) fn follow_live(&self) {
        let Some(url) = live::address() else {
            return;
        };
        let stage = self.clone();
        let link = LiveLink::open(&url, move |heard| stage.hear(heard));
        let mut following = self.following.borrow_mut();
        following.live = true;
        match link {
            Ok(link) => following.link = Some(link),
            Err(why) => following.lost = Some(why),
        }
    }

    fn hear(&self, heard: Heard) {
        let news = match heard {
            Heard::News(news) => *news,
            Heard::Lost(why) => return self.lose_live(format!("The live run ended: {why}")),
        };
        match news {
            News::Start {
                recording,
                edge_ms,
                connections,
            } => match recording.validate() {
                Ok(recording) => {
                    self.following.borrow_mut().connections = connections;
                    self.show(Playback::live(recording, edge_ms));
                }
                Err(e) => self.lose_live(format!(
                    "The live run cannot be followed: its recording cannot be read ({e})"
                )),
            },
            News::Grew {
                entries,
                edge_ms,
                duration_ms,
                connections,
            } => {
                if self.playback.borrow().is_live().is_none() {
                    return self.setup_changed();
                }
                let grown = (self.playback.borrow_mut()).grow(entries, edge_ms, duration_ms);
                if let Err(why) = grown {
                    return self.lose_live(format!(
                        "The live run ended here: the page could not take an entry ({why})"
                    ));
                }
                let mut following = self.following.borrow_mut();
                if following.connections != connections {
                    following.connections = connections;
                    self.redraw.force_update();
                }
            }
            News::Refused { why } => {
                self.notice.set(Some(Notice::Problem(format!(
                    "The live run cannot do that now: {why}"
                ))));
            }
        }
    }

    /// The run is no longer followed (`why`, a sentence: the socket closed,
    /// say): the picture stops at the run's edge, and what was recorded
    /// stays, to replay, save or share.
    fn lose_live(&self, why: String) {
        let mut following = self.following.borrow_mut();
        if following.lost.is_some() || !following.live {
            return;
        }
        following.link = None;
        following.lost = Some(why);
        drop(following);
        self.playback.borrow_mut().end_live();
        self.redraw.force_update();
    }

    /// The setup was changed in the builder: the run is the user's own
    /// scenario now, no longer the live run.
    pub(super) fn setup_changed(&self) {
        self.lose_live(
            "You changed the setup, so this is a scenario of your own now, no longer the live run (reload the page to follow it again)"
                .into(),
        );
    }

    /// Stops following: another scenario is opened.
    pub(super) fn leave_live(&self) {
        *self.following.borrow_mut() = Following::default();
    }

    /// Makes `actions` happen at the moment shown: in a live run being
    /// followed, asked of the server, which makes them the run's entries
    /// at its "now"; otherwise written into the timeline here.
    pub(super) fn happen(&self, actions: Vec<Intervention>) -> Result<Done, String> {
        let following = self.following.borrow();
        let live = self.playback.borrow().is_live().is_some();
        match following.link.as_ref().filter(|_| live) {
            Some(link) => {
                let at_ms = self.playback.borrow().clock_ms() as u64;
                let entries = (actions.into_iter())
                    .map(|action| TimelineEntry { at_ms, action })
                    .collect();
                link.ask(&Ask::Act { entries })?;
                Ok(Done::Asked)
            }
            None => {
                drop(following);
                self.playback.borrow_mut().intervene_all(actions)?;
                Ok(Done::Here)
            }
        }
    }
}
