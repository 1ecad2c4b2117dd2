package playground

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/descent-ml/descent/optim"
	"github.com/descent-ml/descent/surface"
)

// do sends one request to h and returns the status and body.
func do(t *testing.T, h http.Handler, method, target, body string) (int, []byte, http.Header) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes(), rec.Header()
}

// encodeLine encodes v as "descent race --json" does.
func encodeLine(t *testing.T, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRaceEqualsSurfaceRace(t *testing.T) {
	s := New(Limits{})
	for _, tc := range []struct {
		name string
		body string
		fn   string
		cfg  surface.RaceConfig
	}{
		{"defaults", `{"fn":"rosenbrock","opts":["adam:lr=0.05"]}`, "rosenbrock",
			surface.RaceConfig{Specs: []string{"adam:lr=0.05"}, Steps: DefaultSteps}},
		{"every field", `{"fn":"himmelblau","opts":["sgd:lr=0.01","adam:lr=0.1"],"start":[0,0],"steps":300,"noise":0.1,"seed":3,"clip":10}`, "himmelblau",
			surface.RaceConfig{Specs: []string{"sgd:lr=0.01", "adam:lr=0.1"}, Start: []float64{0, 0}, Steps: 300, Noise: 0.1, Seed: 3, ClipNorm: 10}},
		{"expression", `{"fn":"expr:x^2 - y^2 + 0.1*x^4","opts":["sgd:lr=0.05,momentum=0.9,nesterov=true"],"start":[1,0.01],"steps":40}`, "expr:x^2 - y^2 + 0.1*x^4",
			surface.RaceConfig{Specs: []string{"sgd:lr=0.05,momentum=0.9,nesterov=true"}, Start: []float64{1, 0.01}, Steps: 40}},
		{"diverges", `{"fn":"booth","opts":["sgd:lr=1"],"steps":50}`, "booth",
			surface.RaceConfig{Specs: []string{"sgd:lr=1"}, Steps: 50}},
		{"lbfgs and schedule-free", `{"fn":"banana","opts":["lbfgs:line_search_fn=strong_wolfe","sfadamw:lr=0.05"],"steps":30}`, "banana",
			surface.RaceConfig{Specs: []string{"lbfgs:line_search_fn=strong_wolfe", "sfadamw:lr=0.05"}, Steps: 30}},
		{"n-D", `{"fn":"rosenbrock:n=5","opts":["adam:lr=0.01"],"steps":20}`, "rosenbrock:n=5",
			surface.RaceConfig{Specs: []string{"adam:lr=0.01"}, Steps: 20}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body, hdr := do(t, s, "POST", "/api/race", tc.body)
			if code != http.StatusOK {
				t.Fatalf("status %d: %s", code, body)
			}
			if ct := hdr.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			fn, err := surface.New(tc.fn)
			if err != nil {
				t.Fatal(err)
			}
			want, err := surface.Race(context.Background(), fn, tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if w := encodeLine(t, want); !bytes.Equal(body, w) {
				t.Fatalf("POST /api/race answered\n%.300s\nsurface.Race gives\n%.300s", body, w)
			}
		})
	}
}

func TestFunctionsEqualsCatalogue(t *testing.T) {
	s := New(Limits{})
	indent := func(fns []*surface.Function) []byte {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		if err := enc.Encode(fns); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	var all []*surface.Function
	for _, n := range surface.Names() {
		f, err := surface.New(n)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, f)
	}
	two := []*surface.Function{all[0], all[len(all)-1]}
	for _, tc := range []struct {
		query string
		want  []byte
	}{
		{"", indent(all)},
		{"?fn=" + url.QueryEscape(two[0].Spec()) + "&fn=" + url.QueryEscape(two[1].Spec()), indent(two)},
	} {
		t.Run(tc.query, func(t *testing.T) {
			code, body, _ := do(t, s, "GET", "/api/functions"+tc.query, "")
			if code != http.StatusOK || !bytes.Equal(body, tc.want) {
				t.Fatalf("status %d, body\n%.400s\nwant\n%.400s", code, body, tc.want)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	s := New(Limits{MaxSteps: 1000, MaxRacers: 3})
	big := `{"fn":"booth","opts":["sgd"],"pad":"` + strings.Repeat("x", 70<<10) + `"}`
	for _, tc := range []struct {
		name, method, target, body string
		code                       int
		field, msg                 string
	}{
		{"empty body", "POST", "/api/race", "", 400, "", "empty body"},
		{"not an object", "POST", "/api/race", `[1,2]`, 400, "", "not a JSON object"},
		{"syntax", "POST", "/api/race", `{"fn":"booth",}`, 400, "", "not valid JSON"},
		{"truncated", "POST", "/api/race", `{"fn":"booth"`, 400, "", "ends inside"},
		{"trailing", "POST", "/api/race", `{"fn":"booth","opts":["sgd"]} {}`, 400, "", "data after"},
		{"unknown field", "POST", "/api/race", `{"fn":"booth","opts":["sgd"],"lr":1}`, 400, "lr", "the fields are fn, opts, start, steps, noise, seed, clip"},
		{"type", "POST", "/api/race", `{"fn":"booth","opts":"sgd"}`, 400, "opts", "want a list of strings"},
		{"float steps", "POST", "/api/race", `{"fn":"booth","opts":["sgd"],"steps":2.5}`, 400, "steps", "want an integer"},
		{"negative seed", "POST", "/api/race", `{"fn":"booth","opts":["sgd"],"seed":-1}`, 400, "seed", "want an integer"},
		{"huge number", "POST", "/api/race", `{"fn":"booth","opts":["sgd"],"noise":1e999}`, 400, "noise", "want a number"},
		{"no fn", "POST", "/api/race", `{"opts":["sgd"]}`, 400, "fn", "missing"},
		{"unknown fn", "POST", "/api/race", `{"fn":"nosuch","opts":["sgd"]}`, 400, "fn", `unknown function "nosuch"`},
		{"bad expression", "POST", "/api/race", `{"fn":"expr:x^^2","opts":["sgd"]}`, 400, "fn", "column 3"},
		{"long fn", "POST", "/api/race", `{"fn":"expr:` + strings.Repeat("x+", 1100) + `x","opts":["sgd"]}`, 400, "fn", "at most 2048"},
		{"no opts", "POST", "/api/race", `{"fn":"booth"}`, 400, "opts", "at least one"},
		{"too many racers", "POST", "/api/race", `{"fn":"booth","opts":["sgd","sgd","sgd","sgd"]}`, 400, "opts", "at most 3"},
		{"bad spec", "POST", "/api/race", `{"fn":"booth","opts":["sgd","adam:lr=fast"]}`, 400, "opts[1]", `lr="fast": want a number`},
		{"unknown optimizer", "POST", "/api/race", `{"fn":"booth","opts":["adamm"]}`, 400, "opts[0]", `unknown optimizer "adamm"`},
		{"empty spec", "POST", "/api/race", `{"fn":"booth","opts":[" "]}`, 400, "opts[0]", "empty spec"},
		{"lbfgs iterations", "POST", "/api/race", `{"fn":"booth","opts":["lbfgs:max_iter=1e9"]}`, 400, "opts[0]", "max_iter=1e9: the playground allows at most 100"},
		{"lbfgs evaluations", "POST", "/api/race", `{"fn":"booth","opts":["lbfgs:max_eval=126"]}`, 400, "opts[0]", "at most 125"},
		{"lbfgs history", "POST", "/api/race", `{"fn":"booth","opts":["lookahead:k=5+lbfgs:history_size=100000"]}`, 400, "opts[0]", "at most 100"},
		{"muon", "POST", "/api/race", `{"fn":"booth","opts":["muon:ns_steps=1000"]}`, 400, "opts[0]", "at most 100"},
		{"sparse only", "POST", "/api/race", `{"fn":"booth","opts":["sparseadam"],"steps":2}`, 400, "opts", "dense gradients"},
		{"start dimension", "POST", "/api/race", `{"fn":"booth","opts":["sgd"],"start":[1,2,3]}`, 400, "start", "3 coordinates; booth takes 2"},
		{"start far", "POST", "/api/race", `{"fn":"booth","opts":["sgd"],"start":[1e9,0]}`, 400, "start", "outside [-110, 110]"},
		{"start undefined", "POST", "/api/race", `{"fn":"expr:log(x)","opts":["sgd"],"start":[-1,0]}`, 400, "start", "f is NaN"},
		{"zero steps", "POST", "/api/race", `{"fn":"booth","opts":["sgd"],"steps":0}`, 400, "steps", "want 1 to 1000"},
		{"too many steps", "POST", "/api/race", `{"fn":"booth","opts":["sgd"],"steps":1001}`, 400, "steps", "want 1 to 1000"},
		{"too many numbers", "POST", "/api/race", `{"fn":"rosenbrock:n=100","opts":["sgd","sgd","sgd"],"steps":1000}`, 400, "steps", "at most 262144"},
		{"noise", "POST", "/api/race", `{"fn":"booth","opts":["sgd"],"noise":-1}`, 400, "noise", "want σ from 0"},
		{"clip", "POST", "/api/race", `{"fn":"booth","opts":["sgd"],"clip":-1}`, 400, "clip", "want a finite norm"},
		{"body too large", "POST", "/api/race", big, 413, "", "over 65536 bytes"},
		{"method", "GET", "/api/race", "", 405, "", "GET: use POST"},
		{"no endpoint", "GET", "/api/nosuch", "", 404, "", "no such endpoint"},
		{"grid no fn", "GET", "/api/grid", "", 400, "fn", "missing"},
		{"grid 3-D", "GET", "/api/grid?fn=rosenbrock:n=3", "", 400, "fn", "draws surfaces of 2"},
		{"grid n", "GET", "/api/grid?fn=booth&n=1", "", 400, "n", "from 2 to 256"},
		{"grid n big", "GET", "/api/grid?fn=booth&n=100000", "", 400, "n", "from 2 to 256"},
		{"grid n text", "GET", "/api/grid?fn=booth&n=ten", "", 400, "n", `"ten"`},
		{"point no x", "GET", "/api/point?fn=booth", "", 400, "x", "missing"},
		{"point bad x", "GET", "/api/point?fn=booth&x=1,b", "", 400, "x", `"b" is not a number`},
		{"point dimension", "GET", "/api/point?fn=booth&x=1", "", 400, "x", "1 coordinates; booth takes 2"},
		{"point post fn", "POST", "/api/point", `{"x":[1,2]}`, 400, "fn", "missing"},
		{"point post losses", "POST", "/api/point", `{"fn":"booth","x":[1,2],"losses":[` + strings.TrimSuffix(strings.Repeat("1,", 101), ",") + `]}`, 400, "losses", "at most the last 100"},
		{"functions bad", "GET", "/api/functions?fn=nosuch", "", 400, "fn", "unknown function"},
		{"functions many", "GET", "/api/functions?" + strings.Repeat("fn=booth&", 33), "", 400, "fn", "at most 32"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body, hdr := do(t, s, tc.method, tc.target, tc.body)
			var e struct{ Error, Field string }
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatalf("status %d, body %q is not JSON: %v", code, body, err)
			}
			if code != tc.code || e.Field != tc.field || !strings.Contains(e.Error, tc.msg) {
				t.Fatalf("status %d, field %q, error %q; want %d, %q, an error with %q", code, e.Field, e.Error, tc.code, tc.field, tc.msg)
			}
			if ct := hdr.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}

func TestGrid(t *testing.T) {
	s := New(Limits{})
	for _, tc := range []struct {
		fn string
		n  int
	}{
		{"booth", 3},
		{"rosenbrock", 17},
		{"expr:log(x) + y", 9}, // NaN for x < 0, −Inf at 0
		{"goldstein-price", 256},
	} {
		t.Run(tc.fn, func(t *testing.T) {
			code, body, _ := do(t, s, "GET", "/api/grid?fn="+url.QueryEscape(tc.fn)+"&n="+strconv.Itoa(tc.n), "")
			if code != http.StatusOK {
				t.Fatalf("status %d: %s", code, body)
			}
			var g struct {
				Fn         struct{ Spec string }
				N          int
				X, Y       []float64
				Z          [][]*float64
				Zmin, Zmax float64
			}
			if err := json.Unmarshal(body, &g); err != nil {
				t.Fatal(err)
			}
			fn, _ := surface.New(tc.fn)
			if g.Fn.Spec != fn.Spec() || g.N != tc.n || len(g.X) != tc.n || len(g.Y) != tc.n || len(g.Z) != tc.n {
				t.Fatalf("spec %q, n %d, %d xs, %d ys, %d rows", g.Fn.Spec, g.N, len(g.X), len(g.Y), len(g.Z))
			}
			dom := fn.Domain()
			if g.X[0] != dom[0].Lo || g.X[tc.n-1] != dom[0].Hi || g.Y[0] != dom[1].Lo || g.Y[tc.n-1] != dom[1].Hi {
				t.Fatalf("axes %v..%v, %v..%v; domain %v", g.X[0], g.X[tc.n-1], g.Y[0], g.Y[tc.n-1], dom)
			}
			lo, hi := math.Inf(1), math.Inf(-1)
			for j, row := range g.Z {
				for i, z := range row {
					want := fn.Value([]float64{g.X[i], g.Y[j]})
					finite := !math.IsNaN(want) && !math.IsInf(want, 0)
					if !finite {
						if z != nil {
							t.Fatalf("z[%d][%d] = %v, want null (f = %v)", j, i, *z, want)
						}
						continue
					}
					if z == nil {
						t.Fatalf("z[%d][%d] = null, want %v", j, i, want)
					}
					if math.Abs(*z-want) > 1e-6*math.Abs(want) {
						t.Fatalf("z[%d][%d] = %v, want %v", j, i, *z, want)
					}
					lo, hi = min(lo, *z), max(hi, *z)
				}
			}
			if g.Zmin != lo || g.Zmax != hi {
				t.Fatalf("zmin, zmax = %v, %v; the grid spans %v, %v", g.Zmin, g.Zmax, lo, hi)
			}
		})
	}
}

func TestPoint(t *testing.T) {
	s := New(Limits{})
	for _, tc := range []struct {
		name, method, target, body string
		fn                         string
		x, losses                  []float64
		status                     surface.Status
	}{
		{"saddle get", "GET", "/api/point?fn=saddle&x=0,0", "", "saddle", []float64{0, 0}, nil, surface.StatusSaddle},
		{"minimum post", "POST", "/api/point", `{"fn":"booth","x":[1,3]}`, "booth", []float64{1, 3}, nil, surface.StatusConverged},
		{"plateau with losses", "POST", "/api/point", `{"fn":"plateau","x":[3.5,3],"losses":[1,1,1]}`, "plateau", []float64{3.5, 3}, []float64{1, 1, 1}, surface.StatusPlateau},
		{"slope", "GET", "/api/point?fn=" + url.QueryEscape("expr:x^2 + y") + "&x=1,2", "", "expr:x^2 + y", []float64{1, 2}, nil, surface.StatusMoving},
		{"diverged", "GET", "/api/point?fn=booth&x=1e9,0", "", "booth", []float64{1e9, 0}, nil, surface.StatusDiverged},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body, _ := do(t, s, tc.method, tc.target, tc.body)
			if code != http.StatusOK {
				t.Fatalf("status %d: %s", code, body)
			}
			fn, _ := surface.New(tc.fn)
			d, err := surface.Diagnose(fn, tc.x, tc.losses)
			if err != nil {
				t.Fatal(err)
			}
			if d.Status != tc.status {
				t.Fatalf("the test expects %s, Diagnose says %s", tc.status, d.Status)
			}
			if w := encodeLine(t, d); !bytes.Equal(body, w) {
				t.Fatalf("answer\n%s\nwant\n%s", body, w)
			}
		})
	}
}

func TestOptimizers(t *testing.T) {
	s := New(Limits{})
	code, body, _ := do(t, s, "GET", "/api/optimizers", "")
	if code != http.StatusOK {
		t.Fatalf("status %d: %s", code, body)
	}
	var infos []OptimizerInfo
	if err := json.Unmarshal(body, &infos); err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]any{ // PyTorch's defaults, by hand
		"sgd":     {"lr": 0.001, "momentum": 0.0, "dampening": 0.0, "weight_decay": 0.0, "nesterov": false},
		"adam":    {"lr": 0.001, "betas": []any{0.9, 0.999}, "eps": 1e-8, "weight_decay": 0.0, "amsgrad": false},
		"adamw":   {"lr": 0.001, "weight_decay": 0.01},
		"rmsprop": {"lr": 0.01, "alpha": 0.99, "centered": false},
		"lbfgs":   {"lr": 1.0, "max_iter": 20.0, "history_size": 100.0, "line_search_fn": ""},
	}
	seen := map[string]bool{}
	for _, info := range infos {
		seen[info.Name] = true
		x, g := []float64{0, 0}, []float64{0, 0}
		opt, err := optim.New(info.Name, []*optim.Param{optim.NewParam("x", x, g)})
		if err != nil {
			t.Fatal(err)
		}
		if opt.Name() != info.Class {
			t.Errorf("%s: class %q, optimizer says %q", info.Name, info.Class, opt.Name())
		}
		for _, p := range info.Params {
			if p.Type == "float" {
				v, err := opt.Hyper(0, p.Key)
				if err != nil || v+0 != p.Default {
					t.Errorf("%s: %s default %v, Hyper gives %v, %v", info.Name, p.Key, p.Default, v, err)
				}
			}
			if w, ok := want[info.Name][p.Key]; ok {
				if got, _ := json.Marshal(p.Default); string(got) != string(mustJSON(t, w)) {
					t.Errorf("%s: %s default %s, PyTorch's is %v", info.Name, p.Key, got, w)
				}
				delete(want[info.Name], p.Key)
			}
		}
		// Every listed optimizer races over a point.
		b := `{"fn":"booth","opts":["` + info.Name + `"],"steps":3}`
		if code, body, _ := do(t, s, "POST", "/api/race", b); code != http.StatusOK {
			t.Errorf("%s does not race: %d %s", info.Name, code, body)
		}
	}
	for name, keys := range want {
		if !seen[name] || len(keys) > 0 {
			t.Errorf("%s: listed %v, keys not found %v", name, seen[name], keys)
		}
	}
	if seen["sparseadam"] || seen["lookahead"] {
		t.Errorf("sparseadam and lookahead cannot race alone over a point, yet are listed")
	}
}

func mustJSON(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestStaticPage(t *testing.T) {
	s := New(Limits{})
	for _, tc := range []struct {
		path, ctype, has string
	}{
		{"/", "text/html", "<canvas"},
		{"/app.js", "javascript", "/api/race"},
		{"/style.css", "text/css", "--bg"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			code, body, hdr := do(t, s, "GET", tc.path, "")
			if code != http.StatusOK || !strings.Contains(hdr.Get("Content-Type"), tc.ctype) || !bytes.Contains(body, []byte(tc.has)) {
				t.Fatalf("status %d, Content-Type %q, body with %q: %v", code, hdr.Get("Content-Type"), tc.has, bytes.Contains(body, []byte(tc.has)))
			}
			if csp := hdr.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
				t.Fatalf("Content-Security-Policy %q", csp)
			}
		})
	}
	if code, _, _ := do(t, s, "POST", "/", "x"); code != http.StatusMethodNotAllowed {
		t.Fatalf("POST / answered %d", code)
	}
}

func TestRecoverKeepsServing(t *testing.T) {
	s := New(Limits{})
	var logged bytes.Buffer
	var mu sync.Mutex
	s.SetLogf(func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		logged.WriteString(format)
	})
	h := s.recoverer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/boom" {
			panic("boom")
		}
		s.ServeHTTP(w, r)
	}))
	code, body, _ := do(t, h, "GET", "/boom", "")
	if code != http.StatusInternalServerError || !strings.Contains(string(body), "internal error") {
		t.Fatalf("panic answered %d %s", code, body)
	}
	if !strings.Contains(logged.String(), "panic") {
		t.Fatalf("panic not logged: %q", logged.String())
	}
	if code, _, _ := do(t, h, "GET", "/api/optimizers", ""); code != http.StatusOK {
		t.Fatalf("after a panic the server answers %d", code)
	}
}

func TestDeadlineAndBusy(t *testing.T) {
	t.Run("deadline", func(t *testing.T) {
		var logged syncBuffer
		s := New(Limits{Timeout: 5 * time.Millisecond})
		s.SetLogf(func(format string, args ...any) { fmt.Fprintf(&logged, format, args...) })
		// 80 000 noisy steps take longer than 5 ms; the answer comes at
		// the deadline, while the race stops at its next look at the
		// context (every 256 steps).
		body := `{"fn":"rosenbrock","opts":["adam","adam","adam","adam","adam","adam","adam","adam"],"steps":10000,"noise":1}`
		start := time.Now()
		code, resp, _ := do(t, s, "POST", "/api/race", body)
		if code != http.StatusServiceUnavailable || !strings.Contains(string(resp), "deadline") {
			t.Fatalf("status %d: %s", code, resp)
		}
		if el := time.Since(start); el > 3*time.Second {
			t.Fatalf("answered after %v", el)
		}
		if len(s.slots) != 0 {
			t.Fatalf("%d compute slots still taken after the answer", len(s.slots))
		}
		if logged.String() != "" {
			t.Fatalf("logged %q", logged.String())
		}
	})
	t.Run("busy", func(t *testing.T) {
		s := New(Limits{Timeout: 50 * time.Millisecond, MaxConcurrent: 1})
		s.slots <- struct{}{} // every slot taken
		code, resp, hdr := do(t, s, "GET", "/api/grid?fn=booth", "")
		if code != http.StatusServiceUnavailable || !strings.Contains(string(resp), "busy") || hdr.Get("Retry-After") == "" {
			t.Fatalf("status %d, Retry-After %q: %s", code, hdr.Get("Retry-After"), resp)
		}
		<-s.slots
		if code, resp, _ := do(t, s, "GET", "/api/grid?fn=booth&n=5", ""); code != http.StatusOK {
			t.Fatalf("with a free slot: %d %s", code, resp)
		}
	})
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader in two
// goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func TestListenAndServeShutsDown(t *testing.T) {
	for _, tc := range []struct {
		addr, warn string
	}{
		{"127.0.0.1:0", ""},
		{"localhost:0", ""},
	} {
		t.Run(tc.addr, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			var out syncBuffer
			done := make(chan error, 1)
			go func() { done <- ListenAndServe(ctx, tc.addr, Limits{}, &out) }()
			var pageURL string
			for deadline := time.Now().Add(5 * time.Second); pageURL == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
				if u, ok := strings.CutPrefix(out.String(), "descent playground: "); ok {
					pageURL, _, _ = strings.Cut(u, "\n")
				}
			}
			if !strings.HasPrefix(pageURL, "http://127.0.0.1:") {
				cancel()
				t.Fatalf("printed %q", out.String())
			}
			resp, err := http.Get(pageURL + "api/limits")
			if err != nil {
				cancel()
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("GET api/limits: %s", resp.Status)
			}
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("ListenAndServe after cancel: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("no shutdown 10 s after the context's end")
			}
		})
	}
	if err := ListenAndServe(context.Background(), "127.0.0.1:-1", Limits{}, io.Discard); err == nil {
		t.Fatal("a bad address is no error")
	}
}

func TestFunctionCache(t *testing.T) {
	c := &functionCache{m: map[string]*surface.Function{}}
	for i := range maxCachedFunctions + 10 {
		spec := "quadratic:kappa=" + strconv.Itoa(i+1)
		fn, err := surface.New(spec)
		if err != nil {
			t.Fatal(err)
		}
		c.put(spec, fn)
		if c.get(spec) != fn {
			t.Fatalf("%s: the cache does not return what it was given", spec)
		}
		if len(c.m) > maxCachedFunctions {
			t.Fatalf("%d functions cached, the bound is %d", len(c.m), maxCachedFunctions)
		}
	}
	// The server's cache hands out the function surface.New builds.
	a, err := buildFunction("fn", "rosenbrock:b=10")
	if err != nil {
		t.Fatal(err)
	}
	b, err := buildFunction("fn", "rosenbrock:b=10")
	if err != nil || a != b || a.Spec() != "rosenbrock:a=1,b=10,n=2" {
		t.Fatalf("%p %p %v %s", a, b, err, a.Spec())
	}
}
