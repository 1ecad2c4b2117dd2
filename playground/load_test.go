package playground

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	loadDuration = flag.Duration("load.duration", 3*time.Second, "how long TestLoad keeps its clients busy")
	loadClients  = flag.Int("load.clients", 50, "how many concurrent clients TestLoad runs")
)

// loadRequest is one kind of request of the load test: what the page asks
// while a user plays.
type loadRequest struct {
	name, method, path, body string
}

var loadMix = []loadRequest{
	{"race", "POST", "/api/race", `{"fn":"rosenbrock","opts":["sgd:lr=0.001,momentum=0.9","adam:lr=0.05","rmsprop:lr=0.01"],"start":[-1.5,2.5],"steps":500}`},
	{"race-noise", "POST", "/api/race", `{"fn":"himmelblau","opts":["sgd:lr=0.01","adam:lr=0.1"],"start":[0,0],"steps":300,"noise":0.5,"seed":7}`},
	{"grid", "GET", "/api/grid?fn=rastrigin&n=101", ""},
	{"point", "GET", "/api/point?fn=saddle&x=0.5,0.01", ""},
	{"point-post", "POST", "/api/point", `{"fn":"plateau","x":[3.5,3],"losses":[1,1,1]}`},
	{"functions", "GET", "/api/functions", ""},
	{"optimizers", "GET", "/api/optimizers", ""},
}

// quantile returns the q-quantile of sorted d (nearest rank).
func quantile(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	return d[min(len(d)-1, int(q*float64(len(d))))]
}

// TestLoad runs -load.clients clients (50) against a server on loopback
// for -load.duration (3 s), each sending the page's requests in turn, and
// reports the latencies. Every answer must be a 200.
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("a load test: skipped with -short")
	}
	srv := httptest.NewServer(New(Limits{}))
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *loadClients}, Timeout: 30 * time.Second}
	defer client.CloseIdleConnections()

	var mu sync.Mutex
	lat := map[string][]time.Duration{}
	var errs []string
	deadline := time.Now().Add(*loadDuration)
	var wg sync.WaitGroup
	for c := range *loadClients {
		wg.Go(func() {
			for i := c; time.Now().Before(deadline); i++ {
				lr := loadMix[i%len(loadMix)]
				req, err := http.NewRequest(lr.method, srv.URL+lr.path, strings.NewReader(lr.body))
				if err != nil {
					panic(err)
				}
				start := time.Now()
				resp, err := client.Do(req)
				var n int64
				if err == nil {
					n, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				el := time.Since(start)
				mu.Lock()
				switch {
				case err != nil:
					errs = append(errs, fmt.Sprintf("%s: %v", lr.name, err))
				case resp.StatusCode != http.StatusOK || n == 0:
					errs = append(errs, fmt.Sprintf("%s: %s, %d bytes", lr.name, resp.Status, n))
				default:
					lat[lr.name] = append(lat[lr.name], el)
					lat["all"] = append(lat["all"], el)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("%d errors, the first: %s", len(errs), errs[0])
	}
	all := lat["all"]
	if len(all) == 0 {
		t.Fatal("no request answered")
	}
	t.Logf("%d clients for %v: %d requests, %.0f/s, 0 errors", *loadClients, *loadDuration, len(all), float64(len(all))/loadDuration.Seconds())
	for _, name := range append([]string{"all"}, names(loadMix)...) {
		d := lat[name]
		slices.Sort(d)
		t.Logf("  %-11s n=%-6d p50 %-10v p99 %v", name, len(d), quantile(d, 0.5).Round(10*time.Microsecond), quantile(d, 0.99).Round(10*time.Microsecond))
	}
}

func names(mix []loadRequest) []string {
	out := make([]string, len(mix))
	for i, m := range mix {
		out[i] = m.name
	}
	return out
}

// BenchmarkRequests measures each kind of request through the handler,
// in parallel.
func BenchmarkRequests(b *testing.B) {
	s := New(Limits{})
	for _, lr := range loadMix {
		b.Run(lr.name, func(b *testing.B) {
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req := httptest.NewRequest(lr.method, lr.path, strings.NewReader(lr.body))
					rec := httptest.NewRecorder()
					s.ServeHTTP(rec, req)
					if rec.Code != http.StatusOK {
						b.Fatalf("%s: %d %s", lr.name, rec.Code, rec.Body)
					}
				}
			})
		})
	}
}
