//! The root component: it owns the playback and redraws on every frame,
//! and lays the page out with the picture first. What the page's actions
//! do (open a scenario or a preset, a shortcut, a notice) is [`stage`]'s.

use crate::bench::{self, Bench, BenchRun, Measure};
use crate::builder::fields::Field;
use crate::builder::{Builder, Mode, Target, store};
use crate::charts::charts;
use crate::cluster::scene::{ClusterScene, failover_settings};
use crate::components::Frame;
use crate::components::bench_result::BenchReport;
use crate::components::builder_panel::BuilderPanel;
use crate::components::charts::Charts;
use crate::components::cluster_view::ClusterView;
use crate::components::controls::Controls;
use crate::components::event_log::EventLog;
use crate::components::inspector::Inspector;
use crate::components::kafka_view::KafkaView;
use crate::components::lag_table::LagTable;
use crate::components::lesson_panel::LessonPanel;
use crate::components::live_banner::{LiveState, live_banner};
use crate::components::queue_table::QueueTable;
use crate::components::rabbit_view::RabbitView;
use crate::components::shortcut_help::ShortcutHelp;
use crate::components::top_bar::TopBar;
use crate::components::zoomable::{self, SharedZoom};
use crate::event_log::LogFilter;
use crate::files;
use crate::hooks::use_animation_frame;
use crate::inspect::{Action, Inspection, Selection};
use crate::kafka::scene::Scene;
use crate::lesson::{self, Deed, Lesson};
use crate::pacing::{DETAILS_EVERY_MS, Every};
use crate::playback::Playback;
use crate::presenting::{self, Presenter};
use crate::rabbit::scene::RabbitScene;
use crate::share;
use crate::shortcuts::Shortcut;
use crate::zoom::ZoomStep;
use gloo::events::{EventListener, EventListenerOptions};
use mqsim::scenario::edit::Part;
use std::rc::Rc;
use yew::prelude::*;

mod building;
mod following;
mod stage;

use following::{Done, Following};
use stage::{Notice, Stage};

#[component]
pub fn App() -> Html {
    let _app = Measure::start("app");
    let bench = use_mut_ref(|| Bench::requested().map(BenchRun::new));
    {
        // A frame's rendering is part of its work.
        let bench = bench.clone();
        use_effect(move || {
            if let Some(run) = bench.borrow_mut().as_mut() {
                run.work_done();
            }
        });
    }
    let embedded = *use_memo((), |_| share::embedded());
    let zoom: SharedZoom = use_mut_ref(Default::default);
    let viewport = use_node_ref();
    let gestures = use_mut_ref(zoomable::Gestures::default);
    {
        // Pinch and drag on the picture, whose zoom outlives each frame.
        let (viewport, zoom) = (viewport.clone(), zoom.clone());
        use_effect(move || gestures.borrow_mut().follow(&viewport, &zoom));
    }
    let opened = use_memo((), |_| share::opened());
    // The scenario being built at this address before a reload, if any.
    let draft = use_memo((), |_| {
        let kept = store::kept(&share::address())?;
        kept.validate().ok()
    });
    let builder = use_mut_ref(|| {
        let mut builder = Builder {
            open: draft.is_some() || matches!(*opened, share::Opened::Blank(_)),
            ..Builder::default()
        };
        if draft.is_some() {
            builder.restored();
        }
        builder
    });
    let playback = use_mut_ref(|| {
        let bench = bench.borrow().as_ref().map(|run| run.kind);
        let start = || (*draft).clone().unwrap_or_else(|| opened.scenario());
        Playback::new(bench.map_or_else(start, Bench::scenario))
    });
    let notice = use_state(|| match &*draft {
        Some(draft) => Some(Notice::Info(format!(
            "Brought back \"{}\", the scenario you were building here. Undo starts from here; File › New starts another.",
            draft.file().name
        ))),
        None => (opened.notice().map(Notice::of)).or_else(|| Bench::problem().map(Notice::Problem)),
    });
    let selected = use_state(|| None::<Selection>);
    let log_filter = use_state(LogFilter::default);
    let paced = use_mut_ref(Paced::default);
    let last_moment = use_mut_ref(|| (0, 0));
    let redraw = use_force_update();
    let connecting = use_mut_ref(|| None::<Drag>);
    let pictures_ref = use_node_ref();
    let scenario_cache = use_mut_ref(|| None::<(u32, u32, Frame<mqsim::scenario::ScenarioFile>)>);
    let lesson = use_mut_ref(|| Lesson::of(playback.borrow().scenario()));
    let stage = Stage {
        playback: playback.clone(),
        presenter: use_mut_ref(Presenter::default),
        lesson: lesson.clone(),
        selected: selected.clone(),
        notice: notice.clone(),
        loads: use_mut_ref(|| 0),
        builder: builder.clone(),
        redraw: redraw.clone(),
        following: use_mut_ref(Following::default),
    };
    {
        // Back and forward move between the scenarios this tab loaded.
        let stage = stage.clone();
        use_effect_with((), move |_| {
            stage.fetch_narration();
            stage.follow_live();
            let listeners = web_sys::window().map(|window| {
                let keys = {
                    let stage = stage.clone();
                    // Not passive: a shortcut's key must not also scroll.
                    let options = EventListenerOptions::enable_prevent_default();
                    EventListener::new_with_options(&window, "keydown", options, move |e| {
                        if let Some(shortcut) = presenting::shortcut_of(e) {
                            stage.shortcut(shortcut);
                        }
                    })
                };
                let history = EventListener::new(&window, "popstate", move |_| {
                    let opened = share::opened();
                    stage.notice.set(opened.notice().map(Notice::of));
                    stage.open(opened.scenario());
                });
                (keys, history)
            });
            move || drop(listeners)
        });
    }
    {
        let playback = playback.clone();
        let redraw = redraw.clone();
        let bench = bench.clone();
        use_animation_frame(move |elapsed_ms| {
            let began = bench.borrow().is_some().then(bench::now);
            let engine = Measure::start("engine");
            let mut changed = playback.borrow_mut().tick(elapsed_ms);
            drop(engine);
            if let (Some(run), Some(began)) = (bench.borrow_mut().as_mut(), began) {
                changed |= run.frame(elapsed_ms, began, &playback.borrow());
            }
            if changed {
                redraw.force_update();
            }
            if began.is_some() {
                // In case the frame renders nothing.
                let bench = bench.clone();
                yew::platform::spawn_local(async move {
                    if let Some(run) = bench.borrow_mut().as_mut() {
                        run.work_done();
                    }
                });
            }
        });
    }
    // Wraps a change to the playback into a callback that redraws after it.
    let act = |change: fn(&mut Playback)| {
        let playback = playback.clone();
        let redraw = redraw.clone();
        Callback::from(move |()| {
            change(&mut playback.borrow_mut());
            redraw.force_update();
        })
    };
    let on_seek = {
        let stage = stage.clone();
        Callback::from(move |ms: f64| {
            let rewound = ms < stage.playback.borrow().clock_ms();
            stage.playback.borrow_mut().seek(ms);
            if rewound {
                stage.note(Deed::Rewound);
            }
            stage.redraw.force_update();
        })
    };
    let on_speed = {
        let playback = playback.clone();
        let redraw = redraw.clone();
        Callback::from(move |speed: f64| {
            playback.borrow_mut().set_speed(speed);
            redraw.force_update();
        })
    };

    let on_select = {
        let stage = stage.clone();
        Callback::from(move |selection: Selection| {
            if stage.builder.borrow().open {
                let p = stage.playback.borrow();
                let target = crate::builder::target_of(p.scenario(), p.names(), selection);
                drop(p);
                if let Some(target) = target {
                    stage.pick(target);
                }
            }
            stage.playback.borrow_mut().watch(selection.subject());
            stage.note(Deed::Inspected(selection));
            stage.selected.set(Some(selection));
        })
    };
    let on_close = {
        let stage = stage.clone();
        Callback::from(move |()| stage.close_inspector())
    };
    // An action from the inspector: it happens at the moment shown.
    let on_act = {
        let playback = playback.clone();
        let notice = notice.clone();
        let redraw = redraw.clone();
        let stage = stage.clone();
        Callback::from(move |(action, target): (Action, String)| {
            let before = playback.borrow().scenario().file().clone();
            let at = mqsim::SimTime::from_millis(playback.borrow().clock_ms() as u64);
            match stage.happen(action.interventions.clone()) {
                Ok(done) => {
                    for done in &action.interventions {
                        stage.note(Deed::Intervened(done));
                    }
                    notice.set(Some(Notice::Info(match done {
                        Done::Here => {
                            stage.intervened(before);
                            format!(
                                "{}: {target}, at {at}. It is part of the scenario now, so Copy link shares it; acting again after rewinding before {at} replaces it.",
                                action.label
                            )
                        }
                        Done::Asked => format!(
                            "{}: {target}, asked of the live run. Its clients see it now, every page following the run shows it, and the recording keeps it.",
                            action.label
                        ),
                    })))
                }
                Err(why) => notice.set(Some(Notice::Problem(format!(
                    "That cannot be done now: {why}"
                )))),
            }
            redraw.force_update();
        })
    };

    let on_share = {
        let playback = playback.clone();
        let notice = notice.clone();
        let builder = builder.clone();
        Callback::from(move |()| {
            let shared = playback.borrow().shared();
            if let Some(why) = share::too_large(&shared, mqsim::scenario::link::MAX_LINK_CHARS) {
                notice.set(Some(Notice::SaveInstead(why)));
                return;
            }
            let url = share::publish(&shared);
            builder.borrow_mut().saved();
            store::forget();
            notice.set(Some(Notice::Info(format!(
                "Link to this scenario ({} characters) copied; it is also in the address bar.",
                url.len()
            ))));
        })
    };
    let on_embed = {
        let playback = playback.clone();
        let notice = notice.clone();
        Callback::from(move |()| {
            let code = share::publish_embed(&playback.borrow().shared());
            notice.set(Some(Notice::Info(format!(
                "Embed code copied: paste it into a slide, a course page or a blog. {code}"
            ))));
        })
    };

    let on_download = {
        let playback = playback.clone();
        let notice = notice.clone();
        let builder = builder.clone();
        Callback::from(
            move |()| match files::download(playback.borrow().scenario()) {
                Ok(()) => builder.borrow_mut().saved(),
                Err(why) => notice.set(Some(Notice::Problem(format!(
                    "The file could not be saved: {why}"
                )))),
            },
        )
    };
    let on_export = {
        let playback = playback.clone();
        let notice = notice.clone();
        Callback::from(move |()| {
            if let Err(why) = files::download_definitions(playback.borrow().scenario()) {
                notice.set(Some(Notice::Problem(format!(
                    "The file could not be saved: {why}"
                ))));
            }
        })
    };
    // A file being read; the reader must live until it finishes.
    let reading = use_mut_ref(|| None::<gloo::file::callbacks::FileReader>);
    let on_open = {
        let stage = stage.clone();
        let reading = reading.clone();
        Callback::from(move |e: Event| {
            let stage = stage.clone();
            let (notice, redraw) = (stage.notice.clone(), stage.redraw.clone());
            files::read_chosen(&e, &reading, move |name, text| {
                match text.and_then(|text| files::parse(&name, &text)) {
                    Ok(_) if !stage.may_leave() => {}
                    Ok(scenario) => {
                        let warned = share::warnings(&scenario).unwrap_or_default();
                        notice.set(Some(Notice::Info(format!(
                            "Opened {name}: {}. {warned}",
                            scenario.file().name
                        ))));
                        share::remember(&scenario);
                        stage.open(scenario);
                    }
                    // The scenario on screen stays.
                    Err(problem) => notice.set(Some(Notice::Problem(problem))),
                }
                redraw.force_update();
            });
        })
    };
    let on_import = {
        let stage = stage.clone();
        Callback::from(move |e: Event| {
            let stage = stage.clone();
            let (notice, redraw) = (stage.notice.clone(), stage.redraw.clone());
            files::read_chosen(&e, &reading, move |name, text| {
                let current = stage.playback.borrow().scenario().clone();
                match text.and_then(|text| files::import_definitions(&current, &name, &text)) {
                    Ok((scenario, not_modelled)) => {
                        let rabbit = &scenario.file().rabbit;
                        let mut text = format!(
                            "Imported {name}: {} exchanges, {} queues, {} bindings.",
                            rabbit.exchanges.len(),
                            rabbit.queues.len(),
                            rabbit.bindings.len()
                        );
                        if !not_modelled.is_empty() {
                            text.push_str(&format!(" Not modelled: {}.", not_modelled.join("; ")));
                        }
                        notice.set(Some(Notice::Info(text)));
                        share::remember(&scenario);
                        stage.open(scenario);
                        // A topology to build on.
                        stage.builder.borrow_mut().open = true;
                    }
                    Err(problem) => notice.set(Some(Notice::Problem(problem))),
                }
                redraw.force_update();
            });
        })
    };

    let on_preset = {
        let stage = stage.clone();
        Callback::from(move |id: String| stage.open_preset(id))
    };
    let on_build = {
        let stage = stage.clone();
        Callback::from(move |()| {
            let open = !stage.builder.borrow().open;
            stage.builder.borrow_mut().open = open;
            stage.redraw.force_update();
        })
    };
    let on_new = {
        let stage = stage.clone();
        Callback::from(move |blank: mqsim::scenario::edit::Blank| {
            if !stage.may_leave() {
                return;
            }
            share::remember_blank(blank);
            store::forget();
            stage.notice.set(None);
            stage.builder.borrow_mut().open = true;
            stage.open(blank.scenario().validate().expect("a blank is valid"));
        })
    };
    let builder_panel = builder.borrow().open.then(|| {
        let b = builder.borrow();
        let on = |f: fn(&Stage)| {
            let stage = stage.clone();
            Callback::from(move |()| f(&stage))
        };
        let on_target = {
            let stage = stage.clone();
            Callback::from(move |target: Target| stage.pick(target))
        };
        let on_field = {
            let stage = stage.clone();
            Callback::from(move |(field, text, commit): (Field, String, bool)| {
                stage.edit_field(&field, &text, commit)
            })
        };
        let on_add = {
            let stage = stage.clone();
            Callback::from(move |what| stage.add(what))
        };
        let on_undo = {
            let stage = stage.clone();
            Callback::from(move |redo| stage.undo(redo))
        };
        let on_mode = {
            let stage = stage.clone();
            Callback::from(move |mode: Mode| {
                stage.builder.borrow_mut().mode = mode;
                stage.redraw.force_update();
            })
        };
        let on_json = {
            let stage = stage.clone();
            Callback::from(move |(text, commit): (String, bool)| stage.edit_json(&text, commit))
        };
        let on_unschedule = {
            let stage = stage.clone();
            Callback::from(move |i: usize| stage.unschedule(i))
        };
        let file = {
            // One copy of the scenario per edit, not per frame.
            let mut cache = scenario_cache.borrow_mut();
            let p = playback.borrow();
            if cache.as_ref().is_none_or(|(edits, loads, _)| {
                *edits != p.edits() || *loads != *stage.loads.borrow()
            }) {
                *cache = Some((p.edits(), *stage.loads.borrow(), Frame(Rc::new(p.scenario().file().clone()))));
            }
            cache.as_ref().map(|(_, _, file)| file.clone()).expect("just made")
        };
        let moment = mqsim::SimTime::from_millis(playback.borrow().clock_ms() as u64 / 1000 * 1000);
        html! {
            <BuilderPanel {file} target={b.target.clone()} mode={b.mode} problems={b.problems.clone()} typing={b.typing.clone()}
                          can_undo={b.history.can_undo()} can_redo={b.history.can_redo()}
                          unsaved={b.history.unsaved()} moment={moment.to_string()}
                          {on_target} {on_field} {on_add} on_delete={on(Stage::delete)}
                          on_duplicate={on(Stage::duplicate)} on_add_step={on(Stage::add_step)}
                          on_remove_step={on(Stage::remove_step)}
                          {on_undo} {on_mode} {on_json} {on_unschedule} on_seek={on_seek.clone()}
                          on_close={on_build.clone()} />
        }
    });
    let on_zoom = {
        let (zoom, viewport) = (zoom.clone(), viewport.clone());
        Callback::from(move |step: ZoomStep| {
            let next = zoom.borrow().step(step, zoomable::room(&viewport));
            *zoom.borrow_mut() = next;
            zoomable::apply(&viewport, &next);
        })
    };
    let on_dismiss = {
        let notice = notice.clone();
        Callback::from(move |_: MouseEvent| notice.set(None))
    };

    let presenter = *stage.presenter.borrow();
    let p = playback.borrow();
    let file = p.scenario().file();
    let inspection = selected.and_then(|selection| Inspection::of(&p, selection));
    // Playing on from the last frame: the details and the strips keep their
    // own pace. Paused, just after a jump (a seek, a rewind) or with another
    // scenario opened, everything is drawn as it is at once.
    let moment = (*stage.loads.borrow(), p.jumps());
    let jumped = std::mem::replace(&mut *last_moment.borrow_mut(), moment) != moment;
    let calm = p.playing() && !jumped;
    // The log at its own pace (see `pacing`), and at once for a new
    // filter; the charts when a new sample arrives.
    let now = js_sys::Date::now();
    let log_lines = {
        let mut paced = paced.borrow_mut();
        let same_filter = paced.log.last().is_some_and(|(f, _)| f == &*log_filter);
        let select = || {
            (
                (*log_filter).clone(),
                log_filter.select(p.log().iter(), p.names()),
            )
        };
        paced.log.show(now, calm && same_filter, select).1
    };
    // The same callback every frame, so the log is drawn again only when
    // its lines do change.
    let on_filter = {
        let log_filter = log_filter.clone();
        use_callback((), move |filter: LogFilter, _| log_filter.set(filter))
    };
    // Each side is drawn when the scenario has it.
    let kafka_panes = p.lanes().count() > 1;
    let kafka = (!p.world().topics.is_empty() && !kafka_panes)
        .then(|| Frame(Rc::new(Scene::build(p.world(), p.clock_ms()))));
    let rabbit = (!p.rabbit().is_empty())
        .then(|| Frame(Rc::new(RabbitScene::build(p.rabbit(), p.clock_ms()))));
    // Side by side: each pane draws part of the RabbitMQ picture, on the
    // one clock.
    let panes: Vec<(String, Frame<RabbitScene>)> = match &rabbit {
        Some(_) => file
            .view
            .panes
            .iter()
            .map(|pane| {
                let world = p.rabbit().only(&pane.queues);
                let scene = RabbitScene::build(&world, p.clock_ms());
                (pane.title.clone(), Frame(Rc::new(scene)))
            })
            .collect(),
        None => Vec::new(),
    };
    // The cluster is drawn when there is one to see: topics, on several
    // brokers or replicated (a live run's brokers wait for its clients'
    // topics).
    let topics = p.scenario().topics();
    let replicated = !topics.is_empty()
        && (file.kafka.cluster.brokers > 1 || topics.iter().any(|(t, _)| t.replication_factor > 1));
    let group_names: Vec<String> = p.world().groups.iter().map(|g| g.name.clone()).collect();
    let queue_names: Vec<String> = p.rabbit().queues.iter().map(|q| q.name.clone()).collect();
    let history = p.history().samples();
    let charts = use_memo(
        (
            file.name.clone(),
            history.front().map(|s| s.at_ms),
            history.back().cloned(),
            group_names.clone(),
            queue_names.clone(),
            replicated,
        ),
        |(_, _, _, groups, queues, replicated)| charts(p.history(), groups, queues, *replicated),
    );
    let topic_names: Vec<String> = topics.iter().map(|(t, _)| t.name.clone()).collect();
    let cluster = (kafka.is_some() && replicated).then(|| {
        Frame(Rc::new(ClusterScene::build(
            &p.world().cluster,
            &topic_names,
            &group_names,
            p.clock_ms(),
        )))
    });
    // Kafka panes: each lane's cluster and topics, on the one clock; a
    // click in a pane focuses its lane, so the inspector speaks of it.
    let kafka_panes: Vec<Html> = if kafka_panes {
        p.lanes()
            .enumerate()
            .map(|(i, (title, world))| {
                let on_select = {
                    let (stage, on_select) = (stage.clone(), on_select.clone());
                    Callback::from(move |selection: Selection| {
                        stage.playback.borrow_mut().set_focus(i);
                        on_select.emit(selection);
                    })
                };
                let selected = (p.focus() == i).then_some(*selected).flatten();
                let why = p
                    .lane_scenario(i)
                    .map(|run| failover_settings(&run.file().kafka.cluster))
                    .unwrap_or_default();
                let cluster = Frame(Rc::new(ClusterScene::build(
                    &world.cluster,
                    &topic_names,
                    &group_names,
                    p.clock_ms(),
                )));
                let scene = Frame(Rc::new(Scene::build(world, p.clock_ms())));
                html! {
                    <section class={classes!("pane", "kafka-pane", (p.focus() == i).then_some("focused"))}
                             aria-label={title.to_string()} data-testid="kafka-pane" data-pane={i.to_string()}>
                        <h2>{ title }</h2>
                        <p class="why" data-testid="pane-why">{ why }</p>
                        <ClusterView scene={cluster} on_select={on_select.clone()} {selected} />
                        <KafkaView {scene} {on_select} {selected} {calm} />
                    </section>
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    // While building, a drag from one node to another connects them.
    let building = builder.borrow().open;
    // (The drag is drawn as a line from where it started to the pointer.)
    let (on_pointer_down, on_pointer_move, on_pointer_up) = {
        let (from, area) = (connecting.clone(), pictures_ref.clone());
        let down = Callback::from(move |e: PointerEvent| {
            *from.borrow_mut() = end_at(e.target()).map(|end| {
                let at = within(&area, &e);
                Drag {
                    end,
                    from: at,
                    to: at,
                }
            });
        });
        let (from, redraw, area) = (connecting.clone(), redraw.clone(), pictures_ref.clone());
        let moved = Callback::from(move |e: PointerEvent| {
            if let Some(drag) = from.borrow_mut().as_mut() {
                drag.to = within(&area, &e);
                redraw.force_update();
            }
        });
        let stage = stage.clone();
        let from = connecting.clone();
        let up = Callback::from(move |e: PointerEvent| {
            let Some(Drag { end: from, .. }) = from.borrow_mut().take() else {
                return;
            };
            stage.redraw.force_update();
            let under = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.element_from_point(e.client_x() as f32, e.client_y() as f32));
            match end_at(under.map(Into::into)) {
                Some(to) if to != from => stage.connect(&from, &to),
                Some(_) => stage.pick(Target::Part(from)),
                None => {}
            }
        });
        if building {
            (Some(down), Some(moved), Some(up))
        } else {
            (None, None, None)
        }
    };
    let drag_line = connecting.borrow().as_ref().map(|drag| {
        let ((x1, y1), (x2, y2)) = (drag.from, drag.to);
        html! {
            <svg class="connect-line" aria-hidden="true">
                <line x1={x1.to_string()} y1={y1.to_string()} x2={x2.to_string()} y2={y2.to_string()} />
            </svg>
        }
    });
    let pictures = html! {
        <div class={classes!("pictures", building.then_some("building"))} data-testid="pictures" ref={pictures_ref.clone()}
             onpointerdown={on_pointer_down} onpointermove={on_pointer_move} onpointerup={on_pointer_up}>
          if kafka.is_none() && rabbit.is_none() && kafka_panes.is_empty() {
              <p class="empty-picture" data-testid="empty-picture">{ empty_picture(building) }</p>
          }
          { for drag_line }
          { zoomable::viewport(&viewport, html! { <>
            if let Some(scene) = cluster {
                <ClusterView {scene} on_select={on_select.clone()} selected={*selected} />
            }
            if let Some(scene) = kafka.clone() {
                <KafkaView {scene} on_select={on_select.clone()} selected={*selected} {calm} />
            }
            if !kafka_panes.is_empty() {
                <div class="panes kafka-panes" data-testid="kafka-panes">{ for kafka_panes }</div>
            }
            if let Some(scene) = rabbit.clone() {
                if panes.is_empty() {
                    <RabbitView {scene} on_select={on_select.clone()} selected={*selected} />
                } else {
                    <div class="panes" data-testid="panes">
                        { for panes.into_iter().map(|(title, scene)| html! {
                            <section class="pane" aria-label={title.clone()}>
                                <h2>{ title }</h2>
                                <RabbitView {scene} on_select={on_select.clone()} selected={*selected} />
                            </section>
                        }) }
                    </div>
                }
            }
          </> }) }
        </div>
    };
    let controls = html! {
        <Controls playing={p.playing()} speed={p.speed()} clock_ms={p.clock_ms()} duration_ms={p.duration_ms()}
                  on_toggle={act(Playback::toggle_playing)} on_step={act(Playback::step)}
                  on_restart={act(Playback::restart)} {on_speed} {on_seek} {on_zoom} />
    };
    let live_banner = {
        let following = stage.following.borrow();
        following.live.then(|| {
            let on_go_live = {
                let stage = stage.clone();
                Callback::from(move |()| {
                    stage.playback.borrow_mut().go_live();
                    stage.redraw.force_update();
                })
            };
            let state = LiveState {
                connections: following.connections,
                following: p.is_live().unwrap_or(false),
                lost: following.lost.as_deref(),
            };
            live_banner(state, on_go_live, on_download.clone())
        })
    };
    let notice = match &*notice {
        Some(notice) => {
            let (kind, role, text) = match notice {
                Notice::Problem(text) | Notice::SaveInstead(text) => ("problem", "alert", text),
                Notice::Info(text) => ("info", "status", text),
            };
            let save = on_download.reform(|_: MouseEvent| ());
            html! {
                <div class={classes!("notice", kind)}>
                    <p class={kind} {role} data-testid="notice">{ text }</p>
                    if let Notice::SaveInstead(_) = notice {
                        <button type="button" class="offer" data-testid="save-instead" onclick={save}>{ "Save file" }</button>
                    }
                    <button class="dismiss" aria-label="Dismiss" onclick={on_dismiss}>{ "×" }</button>
                </div>
            }
        }
        None => html! {},
    };
    // The tables at their own pace (see `pacing`).
    let tables = (paced.borrow_mut().tables).show(now, calm, || (kafka.clone(), rabbit.clone()));
    let inspector = inspection.map(|inspection| html! {
        <Inspector inspection={Frame(Rc::new(inspection))} {on_act} on_select={on_select.clone()} {on_close} />
    });
    if embedded {
        // For an <iframe>: the picture, its controls, and a way out.
        return html! {
            <main class="app embed" data-loads={stage.loads.borrow().to_string()}>
                <section class="stage" aria-label={file.name.clone()}>
                    { pictures }
                    { notice }
                    <div class="embed-bar">
                        { controls }
                        <a class="open-full" data-testid="open-full" href={share::full_app_href()}
                           target="_blank" rel="noopener">{ "Open in MQ Playground ↗" }</a>
                    </div>
                </section>
                { for inspector }
            </main>
        };
    }
    html! {
        <main class={classes!("app", presenter.projector.then_some("projector"))}
              data-loads={stage.loads.borrow().to_string()}>
            if presenter.help {
                <ShortcutHelp on_close={stage.on(Shortcut::ToggleHelp)} />
            }
            <TopBar preset={file.preset.clone().map(AttrValue::from)} scenario_name={file.name.clone()}
                    projector={presenter.projector} {on_preset} {on_share} {on_embed} {on_download}
                    {on_open} {on_export} {on_import}
                    on_projector={stage.on(Shortcut::ToggleProjector)}
                    on_fullscreen={stage.on(Shortcut::ToggleFullscreen)}
                    on_help={stage.on(Shortcut::ToggleHelp)}
                    {on_new} />
            <section class="stage" aria-label="Stage">
                <div class="stage-title">
                    <h2 class="scenario-name" data-testid="scenario-name">{ &file.name }</h2>
                    <button class="build" data-testid="build" aria-pressed={building.to_string()}
                            title="Make and change this scenario: add, connect, edit, delete"
                            onclick={on_build.reform(|_: MouseEvent| ())}>{ "✎ Build" }</button>
                    <p class="scenario-description" title={file.description.clone()}>{ &file.description }</p>
                </div>
                { for live_banner }
                { controls }
                // Between the controls and the picture: it never covers
                // anything, and the controls never move under the pointer.
                { notice }
                <div class="stage-body">
                    { for builder_panel }
                    { pictures }
                    // Beside the picture, which makes room for it; on a phone,
                    // a sheet from the bottom.
                    { for inspector }
                    // Beside the picture on a wide screen, below it otherwise;
                    // folded, it leaves the picture the room.
                    if let Some(lesson) = lesson.borrow().clone() {
                        <LessonPanel counters={paced.borrow_mut().counters.show(now, calm, || lesson::counters(&lesson.narration, &p))}
                                     {lesson} />
                    }
                </div>
            </section>
            if let Some(result) = bench.borrow().as_ref().and_then(|run| run.result.clone()) {
                <BenchReport {result} />
            }
            <section class="details" aria-label="Tables, charts and the event log">
                // Offsets and lag are a group's: none without groups (a
                // live run whose clients only produce).
                if let Some(scene) = tables.0.filter(|scene| !scene.lag_rows.is_empty()) {
                    <LagTable {scene} />
                }
                if let Some(scene) = tables.1 {
                    <QueueTable {scene} />
                }
                <Charts charts={(*charts).clone()} />
                <EventLog lines={log_lines} filter={(*log_filter).clone()} {on_filter} />
            </section>
        </main>
    }
}

/// The scenes the offsets table and the queue table are drawn from.
type Tables = (Option<Frame<Scene>>, Option<Frame<RabbitScene>>);

/// The tables, the lesson's counters and the log's lines (with the filter
/// they were chosen by), drawn again at their own pace while the run plays
/// (see [`pacing`](crate::pacing)).
struct Paced {
    tables: Every<Tables>,
    counters: Every<Vec<(String, String)>>,
    log: Every<(LogFilter, Vec<mqsim::words::Sentence>)>,
}

impl Default for Paced {
    fn default() -> Self {
        Paced {
            tables: Every::new(DETAILS_EVERY_MS),
            counters: Every::new(DETAILS_EVERY_MS),
            log: Every::new(DETAILS_EVERY_MS),
        }
    }
}

/// What the picture says while there is nothing to draw (a blank
/// scenario, or one whose parts all start later).
fn empty_picture(building: bool) -> &'static str {
    if building {
        "Nothing to draw yet: add a topic, or an exchange and a queue, from the palette."
    } else {
        "Nothing to draw yet: ✎ Build adds a topic, or an exchange and a queue; or pick a scenario."
    }
}

/// The node (with a `data-connect` name) an event target is part of.
fn end_at(target: Option<web_sys::EventTarget>) -> Option<Part> {
    use wasm_bindgen::JsCast;
    let element = target?.dyn_into::<web_sys::Element>().ok()?;
    let node = element.closest("[data-connect]").ok()??;
    crate::builder::connect::parse(&node.get_attribute("data-connect")?)
}

/// A drag from a node, while building: the node, and where the drag
/// started and is now, within the pictures.
struct Drag {
    end: Part,
    from: (f64, f64),
    to: (f64, f64),
}

/// Where a pointer is, within the element `area`.
fn within(area: &NodeRef, e: &PointerEvent) -> (f64, f64) {
    let origin = area
        .cast::<web_sys::Element>()
        .map(|el| el.get_bounding_client_rect())
        .map_or((0.0, 0.0), |r| (r.left(), r.top()));
    (
        f64::from(e.client_x()) - origin.0,
        f64::from(e.client_y()) - origin.1,
    )
}
