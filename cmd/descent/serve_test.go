package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/descent-ml/descent/playground"
)

func TestServeFlags(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		addr   string
		steps  int
		errOut string
	}{
		{"defaults", nil, "127.0.0.1:8080", playground.DefaultLimits.MaxSteps, ""},
		{"addr", []string{"--addr", ":9000", "--max-steps", "50"}, ":9000", 50, ""},
		{"steps", []string{"--max-steps", "0"}, "", 0, "--max-steps=0"},
		{"racers", []string{"--max-racers", "-1"}, "", 0, "--max-racers=-1"},
		{"timeout", []string{"--timeout", "0s"}, "", 0, "--timeout=0s"},
		{"extra", []string{"more"}, "", 0, `unexpected argument "more"`},
		{"unknown flag", []string{"--port", "1"}, "", 0, "flag provided but not defined: -port"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			cfg, err := parseServeFlags(tc.args, &stderr)
			if tc.errOut != "" {
				if err == nil || !strings.Contains(err.Error()+stderr.String(), tc.errOut) {
					t.Fatalf("error %v, stderr %q; want %q", err, stderr.String(), tc.errOut)
				}
				return
			}
			if err != nil || cfg.Addr != tc.addr || cfg.Limits.MaxSteps != tc.steps {
				t.Fatalf("%+v, %v; want addr %q, %d steps", cfg, err, tc.addr, tc.steps)
			}
		})
	}
}

// TestServeSpeaksTheCLI checks that the API answers byte for byte what
// "descent race --json" and "descent functions --json" print.
func TestServeSpeaksTheCLI(t *testing.T) {
	srv := httptest.NewServer(playground.New(playground.Limits{}))
	defer srv.Close()
	for _, tc := range []struct {
		name         string
		cli          []string
		method, path string
		body         string
	}{
		{"race", []string{"race", "--fn", "himmelblau", "--opt", "sgd:lr=0.01", "--opt", "adam:lr=0.1", "--start", "0,0",
			"--steps", "300", "--noise", "0.1", "--seed", "3", "--clip-norm", "10", "--json"},
			"POST", "/api/race", `{"fn":"himmelblau","opts":["sgd:lr=0.01","adam:lr=0.1"],"start":[0,0],"steps":300,"noise":0.1,"seed":3,"clip":10}`},
		{"race defaults", []string{"race", "--fn", "rosenbrock", "--opt", "sgd:lr=1e-3,momentum=0.9", "--json"},
			"POST", "/api/race", `{"fn":"rosenbrock","opts":["sgd:lr=1e-3,momentum=0.9"]}`},
		{"race expression", []string{"race", "--fn", "expr:x^2 - y^2", "--opt", "adam:lr=0.05", "--start=-1.5,1e-4", "--steps", "80", "--json"},
			"POST", "/api/race", `{"fn":"expr:x^2 - y^2","opts":["adam:lr=0.05"],"start":[-1.5,1e-4],"steps":80}`},
		{"functions", []string{"functions", "--json"}, "GET", "/api/functions", ""},
		{"functions named", []string{"functions", "--json", "banana", "quadratic:kappa=100"}, "GET", "/api/functions?fn=banana&fn=quadratic:kappa%3D100", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, want, errOut := runCLI(tc.cli...)
			if code != 0 {
				t.Fatalf("descent %s: exit %d: %s", strings.Join(tc.cli, " "), code, errOut)
			}
			req, err := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("%s %s: %s, %v: %s", tc.method, tc.path, resp.Status, err, got)
			}
			if string(got) != want {
				t.Fatalf("%s %s answered\n%.300s\ndescent %s printed\n%.300s", tc.method, tc.path, got, tc.cli[0], want)
			}
		})
	}
}

// lockedBuffer is a bytes.Buffer for one writer and one reader.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func TestServeRunsUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr lockedBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0"}, &stdout, &stderr) }()
	var url string
	for end := time.Now().Add(5 * time.Second); url == "" && time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if u, ok := strings.CutPrefix(stdout.String(), "descent playground: "); ok {
			url, _, _ = strings.Cut(u, "\n")
		}
	}
	if url == "" {
		t.Fatalf("no URL printed: %q %q", stdout.String(), stderr.String())
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	cancel() // as Ctrl-C does
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("still serving 10 s after Ctrl-C")
	}
}
