package playground

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/descent-ml/descent/surface"
)

// raceSeeds are requests good and bad that start the fuzzer off (with the
// corpus kept in testdata/fuzz/FuzzDecodeRace).
var raceSeeds = []string{
	`{"fn":"rosenbrock","opts":["adam:lr=0.05"]}`,
	`{"fn":"himmelblau","opts":["sgd:lr=0.01","adam:lr=0.1"],"start":[0,0],"steps":300,"noise":0.1,"seed":3,"clip":10}`,
	`{"fn":"expr:x^2 - y^2 + 0.1*x^4","opts":["sgd:lr=0.05,momentum=0.9,nesterov=true"],"start":[1,0.01],"steps":40}`,
	`{"fn":"rosenbrock:n=5","opts":["lookahead:k=5+lbfgs:max_iter=10"],"steps":3}`,
	`{"fn":"booth","opts":["adam:betas=0.9/0.99,eps=0"],"start":[1e300,-1e300]}`,
	`{"fn":"expr:sin(x)*cos(y)/(x-y)","opts":["rprop:etas=0.5/1.2"],"start":[1,1]}`,
	`{"fn":"booth","opts":["sgd"],"steps":1e3,"seed":18446744073709551615}`,
	`{"fn":"booth","opts":[],"start":null}`,
	`{"fn":"booth","opts":["sgd"],"steps":-1}`,
	`{"fn":"booth","opts":"sgd"}`,
	`{"fn":1}`,
	`{"fn":"booth",`,
	`[]`,
	``,
	`{"fn":"booth","opts":["sgd"]}{}`,
	`{"fn":"booth","opts":["sgd"],"x":1}`,
	"{\"fn\":\"expr:x\u00a0+\u2212y\",\"opts\":[\"sgd\"]}",
}

// checkDecodeError checks what every refusal must be: a *RequestError
// with a 400 or 413 and a message.
func checkDecodeError(t *testing.T, err error) {
	t.Helper()
	var re *RequestError
	if !errors.As(err, &re) {
		t.Fatalf("error %v (%T) is not a *RequestError", err, err)
	}
	if re.Status != http.StatusBadRequest && re.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d for %v", re.Status, re)
	}
	if re.Msg == "" {
		t.Fatalf("no message: %#v", re)
	}
}

// FuzzDecodeRace feeds DecodeRace any bytes: it must never panic, refuse
// with a *RequestError, and what it accepts must be within the limits and
// race (a few steps) without any error but an optimizer's own.
func FuzzDecodeRace(f *testing.F) {
	for _, s := range raceSeeds {
		f.Add([]byte(s))
	}
	lim := Limits{MaxBody: 4 << 10, MaxSteps: 1000, MaxRacers: 4}
	f.Fuzz(func(t *testing.T, body []byte) {
		fn, cfg, err := DecodeRace(strings.NewReader(string(body)), lim)
		if err != nil {
			checkDecodeError(t, err)
			return
		}
		if len(cfg.Specs) < 1 || len(cfg.Specs) > 4 || cfg.Steps < 1 || cfg.Steps > 1000 || !(cfg.Noise >= 0) || !(cfg.ClipNorm >= 0) {
			t.Fatalf("accepted out of limits: %+v", cfg)
		}
		cfg.Steps = min(cfg.Steps, 3)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		results, err := surface.Race(ctx, fn, cfg)
		if err != nil {
			if !strings.Contains(err.Error(), "step ") {
				t.Fatalf("accepted, then Race says: %v", err)
			}
			return
		}
		if len(results) != len(cfg.Specs) {
			t.Fatalf("%d results for %d specs", len(results), len(cfg.Specs))
		}
	})
}

// FuzzDecodePoint feeds DecodePoint any bytes: no panic, refusals are
// *RequestError, and an accepted point is diagnosed without error.
func FuzzDecodePoint(f *testing.F) {
	for _, s := range []string{
		`{"fn":"saddle","x":[0,0]}`,
		`{"fn":"plateau","x":[3.5,3],"losses":[1,1,1]}`,
		`{"fn":"expr:x/y","x":[1,0]}`,
		`{"fn":"rosenbrock:n=3","x":[1,1]}`,
		`{"fn":"booth","x":[1e308,1e308]}`,
		`{"x":[1,2]}`,
		`{"fn":"booth","x":"1,2"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		fn, req, err := DecodePoint(strings.NewReader(string(body)), Limits{MaxBody: 4 << 10})
		if err != nil {
			checkDecodeError(t, err)
			return
		}
		if _, err := surface.Diagnose(fn, req.X, req.Losses); err != nil {
			t.Fatalf("accepted, then Diagnose says: %v", err)
		}
	})
}

func TestDecodeRaceDefaults(t *testing.T) {
	for _, tc := range []struct {
		body string
		want surface.RaceConfig
	}{
		{`{"fn":"booth","opts":["sgd"]}`, surface.RaceConfig{Specs: []string{"sgd"}, Steps: DefaultSteps}},
		{` {"fn":"booth","opts":["sgd"],"start":null,"steps":7,"seed":9} `, surface.RaceConfig{Specs: []string{"sgd"}, Steps: 7, Seed: 9}},
		{`{"fn":"booth","opts":["a"],"opts":["sgd"]}`, surface.RaceConfig{Specs: []string{"sgd"}, Steps: DefaultSteps}}, // the last wins, as encoding/json has it
	} {
		t.Run(tc.body, func(t *testing.T) {
			fn, cfg, err := DecodeRace(strings.NewReader(tc.body), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if fn.Name() != "booth" || strings.Join(cfg.Specs, " ") != strings.Join(tc.want.Specs, " ") ||
				cfg.Steps != tc.want.Steps || cfg.Seed != tc.want.Seed || cfg.Start != nil {
				t.Fatalf("got %s %+v, want %+v", fn.Name(), cfg, tc.want)
			}
		})
	}
}
