package playground

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/descent-ml/descent/surface"
)

var screenshotPhone = flag.Bool("screenshot.phone", false, "take TestScreenshot's picture on a phone's viewport")

var screenshotHash = flag.String("screenshot.hash", "", "the URL hash TestScreenshot shows (default: the banana lesson at step 90)")

var screenshotPath = flag.String("screenshot", "", "also save TestBrowser's screenshot of the playground here (the README's is docs/images/playground.png)")

// findChromium returns the path of a Chromium or Chrome binary, or "".
func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// pageState is what window.playground.state holds.
type pageState struct {
	Fn    string    `json:"fn"`
	Start []float64 `json:"start"`
	Opts  []string  `json:"opts"`
	Steps int       `json:"steps"`
	Noise float64   `json:"noise"`
	Seed  uint64    `json:"seed"`
	Clip  float64   `json:"clip"`
	T     int       `json:"t"`
	Sel   int       `json:"sel"`
	Log   bool      `json:"log"`
}

// browser is one headless Chromium tab on a playground server.
type browser struct {
	t   *testing.T
	ctx context.Context
	mu  sync.Mutex
	log []string // console errors and uncaught exceptions
}

func (b *browser) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v (console: %v)", what, err, b.consoleErrors())
	}
}

func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// waitReady waits until the page has no request in flight.
func (b *browser) waitReady(what string) {
	b.t.Helper()
	_, err := chromedp.Run(b.ctx, chromedp.Poll[chromedp.Void](`window.playground && window.playground.ready`,
		chromedp.WithPollingInterval(25*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second)))
	if err != nil {
		b.t.Fatalf("%s: the page never got ready: %v (console: %v)", what, err, b.consoleErrors())
	}
}

func (b *browser) waitFor(what, expr string) {
	b.t.Helper()
	_, err := chromedp.Run(b.ctx, chromedp.Poll[chromedp.Void](expr,
		chromedp.WithPollingInterval(25*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second)))
	if err != nil {
		b.t.Fatalf("%s: waiting for %s: %v (console: %v)", what, expr, err, b.consoleErrors())
	}
}

func (b *browser) state() pageState { return eval[pageState](b, `window.playground.state`) }

func (b *browser) consoleErrors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.log)
}

// newBrowser starts Chromium with the flags CI uses and a fresh profile,
// or skips the test when there is none.
func newBrowser(t *testing.T) *browser {
	bin := findChromium()
	if bin == "" {
		t.Skip("no chromium binary found (apt-get install chromium); the browser test needs one")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1440, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	ctx, cancelTime := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTime(); cancelTab(); cancelAlloc() })
	b := &browser{t: t, ctx: ctx}
	// Start the browser and open the tab, with a laptop's viewport.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1440, 900)); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	go func() {
		for m, err := range chromedp.Console(ctx) {
			if err != nil {
				return
			}
			if m.IsException() || m.Type == chromedp.ConsoleError {
				b.mu.Lock()
				b.log = append(b.log, m.String())
				b.mu.Unlock()
			}
		}
	}()
	return b
}

// TestBrowser drives the page in headless Chromium: a lesson, a click on
// the map for the start, five steps that must land exactly where
// surface.Race puts the fifth point, Play drawing the trajectories, a
// reload from the URL that restores it all, the keyboard, and an inline
// error for a bad expression. It saves a screenshot.
func TestBrowser(t *testing.T) {
	b := newBrowser(t)
	srv := httptest.NewServer(New(Limits{}))
	defer srv.Close()

	b.do("loading the page", chromedp.Navigate(srv.URL+"/"))
	b.waitReady("first load")
	if s := b.state(); s.Fn != "banana" || len(s.Opts) != 4 {
		t.Fatalf("the first visit shows %+v; want the banana lesson", s)
	}
	// The dashed arrow is the move from the previous point: the key says
	// so, and does not call it momentum (no optimizer's buffer is drawn).
	if key := eval[string](b, `document.getElementById('map-legend').textContent`); !strings.Contains(key, "last step") || strings.Contains(key, "momentum)") {
		t.Fatalf("the map's key reads %q; want the arrow called the last step", key)
	}

	// A lesson from the list.
	b.do("picking the overshoot lesson", chromedp.SetValue(chromedp.ID("preset"), "overshoot"))
	eval[any](b, `document.getElementById('preset').dispatchEvent(new Event('change')), 0`)
	b.waitReady("the overshoot lesson")
	s := b.state()
	if s.Fn != "quadratic:kappa=10" || len(s.Opts) != 2 || !strings.Contains(s.Opts[1], "nesterov=true") {
		t.Fatalf("after picking the lesson the state is %+v", s)
	}

	// A click on the map sets the start.
	rect := eval[[]float64](b, `(() => { const r = document.getElementById('map').getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()`)
	b.do("clicking the map", chromedp.MouseClickXY(rect[0]+0.2*rect[2], rect[1]+0.25*rect[3]))
	b.waitFor("the click", `window.playground.state.start && window.playground.state.start[0] !== -1.8`)
	b.waitReady("the race from the new start")
	s = b.state()
	if len(s.Start) != 2 || s.T != 0 {
		t.Fatalf("after the click the state is %+v", s)
	}
	// The domain of quadratic:kappa=10 is [-2, 2]²: 20% across, 25% down.
	if s.Start[0] < -1.5 || s.Start[0] > -0.9 || s.Start[1] < 0.7 || s.Start[1] > 1.3 {
		t.Fatalf("the click at 20%%, 25%% of the map set the start %v", s.Start)
	}

	// Step five times: each racer must stand on the fifth point of surface.Race.
	for range 5 {
		b.do("pressing Step", chromedp.Click(chromedp.ID("step")))
	}
	b.waitReady("five steps")
	s = b.state()
	if s.T != 5 {
		t.Fatalf("after five steps the page is at step %d", s.T)
	}
	fn, err := surface.New(s.Fn)
	if err != nil {
		t.Fatal(err)
	}
	want, err := surface.Race(context.Background(), fn, surface.RaceConfig{Specs: s.Opts, Start: s.Start, Steps: 5, Noise: s.Noise, Seed: s.Seed, ClipNorm: s.Clip})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range want {
		got := eval[[]float64](b, fmt.Sprintf(`window.playground.position(%d)`, i))
		if !slices.Equal(got, r.Final) {
			t.Fatalf("racer %d (%s) stands at %v after five steps; surface.Race's fifth point is %v", i, r.Spec, got, r.Final)
		}
	}

	// Play draws the trajectories.
	before := eval[int](b, `window.playground.drawnSegments`)
	pixels := `(() => { const c = document.getElementById('map'); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let h = 0; for (let i = 0; i < d.length; i += 4) h = (h * 31 + d[i] + 7 * d[i + 1] + 13 * d[i + 2]) >>> 0; return h; })()`
	hashBefore := eval[float64](b, pixels)
	b.do("pressing Play", chromedp.Click(chromedp.ID("play")))
	b.waitFor("playing", `window.playground.state.t >= 40`)
	b.do("pausing with the space bar", chromedp.KeyEvent(" "))
	b.waitFor("pausing", `!window.playground.playing`)
	b.waitReady("after play")
	if after := eval[int](b, `window.playground.drawnSegments`); after <= before+2*30 {
		t.Fatalf("Play drew %d trajectory segments, at step 5 there were %d", after, before)
	}
	if h := eval[float64](b, pixels); h == hashBefore {
		t.Fatal("Play left the map's pixels as they were")
	}
	b.do("stepping with the s key", chromedp.KeyEvent("s"))
	b.waitReady("after the s key")
	s = b.state()
	if s.T < 41 {
		t.Fatalf("after the s key the page is at step %d", s.T)
	}
	positions := eval[[][]float64](b, `window.playground.results.map((r, i) => window.playground.position(i))`)

	// The URL holds the whole state: a reload shows the same.
	b.waitFor("the hash", fmt.Sprintf(`location.hash.includes('&t=%d&')`, s.T))
	url := eval[string](b, `location.href`)
	b.do("reloading", chromedp.Reload())
	b.waitReady("the reload")
	if again := b.state(); !equalState(again, s) {
		t.Fatalf("after reloading %s the state is\n%+v\nwant\n%+v", url, again, s)
	}
	if again := eval[[][]float64](b, `window.playground.results.map((r, i) => window.playground.position(i))`); !equalPoints(again, positions) {
		t.Fatalf("after the reload the racers stand at %v, before at %v", again, positions)
	}

	// A screenshot of the page as it is.
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(t.TempDir(), "playground.png"), png, 0o644); err != nil {
		t.Fatal(err)
	}

	// A bad expression is shown inline, naming the column.
	b.do("choosing a custom expression", chromedp.SetValue(chromedp.ID("fn"), "expr:"))
	eval[any](b, `document.getElementById('fn').dispatchEvent(new Event('change')), 0`)
	b.do("typing the expression", chromedp.SetValue(chromedp.ID("expr"), "x^^2"), chromedp.Click(chromedp.CSS("#expr-form button")))
	b.waitFor("the inline error", `document.getElementById('fn-error').textContent.includes('column 3')`)
	b.do("typing a good expression", chromedp.SetValue(chromedp.ID("expr"), "x^2 - y^2 + 0.1*x^4"), chromedp.Click(chromedp.CSS("#expr-form button")))
	b.waitReady("the custom surface")
	if s := b.state(); s.Fn != "expr:x^2 - y^2 + 0.1*x^4" || eval[string](b, `document.getElementById('fn-error').textContent`) != "" {
		t.Fatalf("after a good expression: %+v, error %q", s, eval[string](b, `document.getElementById('fn-error').textContent`))
	}

	// On a phone the page stacks its panels and nothing sticks out sideways.
	b.do("a phone's viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	b.waitFor("the narrow layout", `document.getElementById('map').getBoundingClientRect().width <= 390`)
	if w := eval[float64](b, `document.documentElement.scrollWidth`); w > 390 {
		t.Fatalf("on a 390-pixel phone the page is %v pixels wide", w)
	}
	if png, err = chromedp.Run(b.ctx, chromedp.CaptureScreenshot()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(t.TempDir(), "playground-phone.png"), png, 0o644); err != nil {
		t.Fatal(err)
	}

	// The bad expression's 400 is the one error the browser may log.
	errs := slices.DeleteFunc(b.consoleErrors(), func(m string) bool { return strings.Contains(m, "status of 400") })
	if len(errs) > 0 {
		t.Fatalf("the console has errors: %v", errs)
	}
}

// TestScreenshot stages the README's picture, when -screenshot asks for
// it: the Rosenbrock lesson part-way, on a laptop-sized window.
func TestScreenshot(t *testing.T) {
	if *screenshotPath == "" {
		t.Skip("give -screenshot PATH to save the README's picture")
	}
	b := newBrowser(t)
	srv := httptest.NewServer(New(Limits{}))
	defer srv.Close()
	q := "fn=banana&start=-1.5,0.2&opt=sgd:lr%3D0.002&opt=sgd:lr%3D0.002,momentum%3D0.8&opt=sgd:lr%3D0.002,momentum%3D0.95&opt=adam:lr%3D0.1" +
		"&steps=300&t=90&sel=1&log=1&speed=40&view=-0.60,0.85"
	if *screenshotHash != "" {
		q = strings.TrimPrefix(*screenshotHash, "#")
	}
	if *screenshotPhone {
		b.do("a phone's viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	}
	b.do("loading the page", chromedp.Navigate(srv.URL+"/#"+q))
	b.waitReady("load")
	time.Sleep(300 * time.Millisecond)
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(*screenshotPath, png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func equalState(a, b pageState) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func equalPoints(a, b [][]float64) bool {
	return slices.EqualFunc(a, b, func(p, q []float64) bool { return slices.Equal(p, q) })
}

// TestBrowserControls works the racers' controls: add a racer, change its
// optimizer and learning rate, type a spec the optimizer refuses (the
// error shows on its card), remove it, and change the surface.
func TestBrowserControls(t *testing.T) {
	b := newBrowser(t)
	srv := httptest.NewServer(New(Limits{}))
	defer srv.Close()
	b.do("loading the page", chromedp.Navigate(srv.URL+"/#fn=booth&opt=sgd:lr%3D0.01&steps=50"))
	b.waitReady("load")

	change := func(what, sel, value string) {
		t.Helper()
		b.do(what, chromedp.SetValue(chromedp.CSS(sel), value))
		eval[any](b, fmt.Sprintf(`document.querySelector(%q).dispatchEvent(new Event('change', {bubbles: true})), 0`, sel))
		b.waitReady(what)
	}
	for _, tc := range []struct {
		what    string
		act     func()
		opts    []string
		errText string
	}{
		{"adding a racer", func() { b.do("clicking + add", chromedp.Click(chromedp.ID("add-racer"))); b.waitReady("add") },
			[]string{"sgd:lr=0.01", "adam:lr=0.05"}, ""},
		{"choosing RMSprop", func() { change("the optimizer", ".racer:nth-child(2) .racer-head select", "rmsprop") },
			[]string{"sgd:lr=0.01", "rmsprop:lr=0.05"}, ""},
		{"typing a learning rate", func() { change("the learning rate", `.racer:nth-child(2) input[aria-label="lr value"]`, "0.2") },
			[]string{"sgd:lr=0.01", "rmsprop:lr=0.2"}, ""},
		{"ticking centered", func() {
			b.do("clicking centered", chromedp.Click(chromedp.CSS(`.racer:nth-child(2) input[aria-label="centered"]`)))
			b.waitReady("centered")
		}, []string{"sgd:lr=0.01", "rmsprop:lr=0.2,centered=true"}, ""},
		{"a refused spec", func() { change("the spec", ".racer:nth-child(1) .spec", "sgd:nesterov=true") },
			[]string{"sgd:nesterov=true", "rmsprop:lr=0.2,centered=true"}, "nesterov momentum requires a momentum"},
		{"removing it", func() {
			b.do("clicking ×", chromedp.Click(chromedp.CSS(".racer:nth-child(1) .racer-head button")))
			b.waitReady("remove")
		},
			[]string{"rmsprop:lr=0.2,centered=true"}, ""},
	} {
		tc.act()
		s := b.state()
		if !slices.Equal(s.Opts, tc.opts) {
			t.Fatalf("%s: the racers are %q, want %q", tc.what, s.Opts, tc.opts)
		}
		cardErr := eval[string](b, `[...document.querySelectorAll('.racer .outcome.err')].map(e => e.textContent).join(' ')`)
		if !strings.Contains(cardErr, tc.errText) || (tc.errText == "") != (cardErr == "") {
			t.Fatalf("%s: the cards' errors say %q, want %q", tc.what, cardErr, tc.errText)
		}
		if tc.errText == "" {
			specs := eval[[]string](b, `window.playground.results.map(r => r.spec)`)
			if !slices.Equal(specs, tc.opts) {
				t.Fatalf("%s: the race was run for %q, want %q", tc.what, specs, tc.opts)
			}
		}
	}

	change("the surface", "#fn", "himmelblau")
	if s := b.state(); s.Fn != "himmelblau" || s.Start != nil {
		t.Fatalf("after choosing himmelblau the state is %+v", s)
	}
	if got := eval[[]float64](b, `window.playground.position(0)`); !slices.Equal(got, []float64{0, 0}) {
		t.Fatalf("on himmelblau the racer starts at %v, want its suggested start (0, 0)", got)
	}
}
