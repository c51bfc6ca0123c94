//! The root component: it owns the playback and redraws on every frame.

use crate::components::controls::Controls;
use crate::components::kafka_view::KafkaView;
use crate::components::lag_table::LagTable;
use crate::hooks::use_animation_frame;
use crate::playback::Playback;
use crate::scene::Scene;
use mqsim::scenario::presets;
use std::rc::Rc;
use yew::prelude::*;

#[component]
pub fn App() -> Html {
    let playback = use_mut_ref(|| Playback::new(presets::default_scenario()));
    let redraw = use_force_update();
    {
        let playback = playback.clone();
        let redraw = redraw.clone();
        use_animation_frame(move |elapsed_ms| {
            if playback.borrow_mut().tick(elapsed_ms) {
                redraw.force_update();
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
    let on_speed = {
        let playback = playback.clone();
        let redraw = redraw.clone();
        Callback::from(move |speed: f64| {
            playback.borrow_mut().set_speed(speed);
            redraw.force_update();
        })
    };

    let p = playback.borrow();
    let scene = Rc::new(Scene::build(p.world(), p.clock_ms()));
    let file = p.scenario().file();
    html! {
        <main class="app">
            <header>
                <h1>{ "MQ Playground" }</h1>
                <p class="scenario-name" data-testid="scenario-name">{ &file.name }</p>
                <p class="scenario-description">{ &file.description }</p>
            </header>
            <Controls playing={p.playing()} speed={p.speed()} clock_ms={p.clock_ms()} duration_ms={p.duration_ms()}
                      on_toggle={act(Playback::toggle_playing)} on_restart={act(Playback::restart)} {on_speed} />
            <KafkaView scene={scene.clone()} />
            <LagTable {scene} />
        </main>
    }
}
