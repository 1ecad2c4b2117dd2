package playground

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"

	"github.com/descent-ml/descent/surface"
)

//go:embed static
var staticFiles embed.FS

// The grid sizes: the default and the least.
const (
	defaultGrid = 101
	minGrid     = 2
	maxFnQuery  = 32 // functions one GET /api/functions may describe
)

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/api/functions", s.only("GET", s.functions))
	mux.HandleFunc("/api/optimizers", s.only("GET", s.optimizers))
	mux.HandleFunc("/api/limits", s.only("GET", s.limitsHandler))
	mux.HandleFunc("/api/grid", s.only("GET", s.compute(s.grid)))
	mux.HandleFunc("/api/race", s.only("POST", s.compute(s.race)))
	mux.HandleFunc("/api/point", s.only("GET POST", s.compute(s.point)))
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, &RequestError{Status: http.StatusNotFound, Msg: "no such endpoint: " + r.URL.Path})
	})
	sub, err := fs.Sub(staticFiles, "static")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	files := http.FileServerFS(sub)
	mux.Handle("/", s.only("GET HEAD", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	}))
	return s.recoverer(s.guard(mux))
}

// guard puts every request under the deadline and the body cap, and sets
// the headers that keep the page to itself.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), s.limits.Timeout)
		defer cancel()
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, s.limits.MaxBody)
		}
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'")
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// recoverer answers a panic in a handler with a 500 and keeps serving.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v) // the client went away: net/http's own signal
			}
			s.logf("descent playground: panic serving %s %s: %v\n%s", r.Method, r.URL.Path, v, debug.Stack())
			writeError(w, &RequestError{Status: http.StatusInternalServerError, Msg: "internal error (the server keeps running)"})
		}()
		next.ServeHTTP(w, r)
	})
}

// only refuses methods other than those listed (space-separated).
func (s *Server) only(methods string, h http.HandlerFunc) http.HandlerFunc {
	allowed := strings.Fields(methods)
	return func(w http.ResponseWriter, r *http.Request) {
		for _, m := range allowed {
			if r.Method == m {
				h(w, r)
				return
			}
		}
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeError(w, &RequestError{Status: http.StatusMethodNotAllowed, Msg: fmt.Sprintf("%s: use %s", r.Method, strings.Join(allowed, " or "))})
	}
}

// compute lets h run when one of the server's compute slots is free,
// waiting for one until the request's deadline.
func (s *Server) compute(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		select {
		case s.slots <- struct{}{}:
		case <-r.Context().Done():
			w.Header().Set("Retry-After", "1")
			writeError(w, &RequestError{Status: http.StatusServiceUnavailable, Msg: "the server is busy: try again"})
			return
		}
		defer func() { <-s.slots }()
		h(w, r)
	}
}

// writeJSON writes v as "descent ... --json" does: json.Encoder, one line.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		writeError(w, &RequestError{Status: http.StatusInternalServerError, Msg: "encoding the answer: " + err.Error()})
		return
	}
	writeBytes(w, status, buf.Bytes())
}

func writeBytes(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

// writeError writes err as {"error": ..., "field": ...} with its status;
// an error that is not a *RequestError is a 500.
func writeError(w http.ResponseWriter, err error) {
	var re *RequestError
	if !errors.As(err, &re) {
		re = &RequestError{Status: http.StatusInternalServerError, Msg: err.Error()}
	}
	b, _ := json.Marshal(re)
	writeBytes(w, re.Status, append(b, '\n'))
}

// catalogue is the answer of GET /api/functions with no query, made once.
var catalogue = sync.OnceValues(func() ([]byte, error) {
	names := surface.Names()
	fns := make([]*surface.Function, len(names))
	for i, n := range names {
		f, err := surface.New(n)
		if err != nil {
			return nil, err
		}
		fns[i] = f
	}
	return indented(fns)
})

// indented writes v as "descent functions --json" does.
func indented(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// functions answers GET /api/functions: every named surface, or those of
// the fn parameters (repeatable), exactly as "descent functions --json
// [SPEC ...]" prints them.
func (s *Server) functions(w http.ResponseWriter, r *http.Request) {
	specs := r.URL.Query()["fn"]
	if len(specs) == 0 {
		b, err := catalogue()
		if err != nil {
			writeError(w, err)
			return
		}
		writeBytes(w, http.StatusOK, b)
		return
	}
	if len(specs) > maxFnQuery {
		writeError(w, bad("fn", "%d functions; ask for at most %d at once", len(specs), maxFnQuery))
		return
	}
	fns := make([]*surface.Function, len(specs))
	for i, spec := range specs {
		f, err := buildFunction("fn", spec)
		if err != nil {
			writeError(w, err)
			return
		}
		fns[i] = f
	}
	b, err := indented(fns)
	if err != nil {
		writeError(w, err)
		return
	}
	writeBytes(w, http.StatusOK, b)
}

var optimizerList = sync.OnceValue(Optimizers)

// optimizers answers GET /api/optimizers: the optimizers with their
// hyperparameters and defaults.
func (s *Server) optimizers(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, optimizerList())
}

// limitsHandler answers GET /api/limits: what one request may ask.
func (s *Server) limitsHandler(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"max_body":   s.limits.MaxBody,
		"max_steps":  s.limits.MaxSteps,
		"max_racers": s.limits.MaxRacers,
		"max_grid":   s.limits.MaxGrid,
		"timeout_ms": s.limits.Timeout.Milliseconds(),
	})
}

// race answers POST /api/race with exactly what "descent race --json"
// prints for the same flags.
func (s *Server) race(w http.ResponseWriter, r *http.Request) {
	fn, cfg, err := DecodeRace(r.Body, s.limits)
	if err != nil {
		writeError(w, err)
		return
	}
	// surface.Race looks at its context every 256 steps: the answer is
	// not kept waiting for that, but the compute slot is, until the race
	// has stopped.
	ctx := r.Context()
	type outcome struct {
		results []surface.Result
		err     error
	}
	done := make(chan outcome, 1)
	go func() {
		var o outcome
		defer func() {
			if v := recover(); v != nil {
				s.logf("descent playground: panic in a race on %s: %v\n%s", fn.Spec(), v, debug.Stack())
				o = outcome{err: &RequestError{Status: http.StatusInternalServerError, Msg: "internal error (the server keeps running)"}}
			}
			done <- o
		}()
		o.results, o.err = surface.Race(ctx, fn, cfg)
	}()
	var o outcome
	select {
	case o = <-done:
	case <-ctx.Done():
		writeError(w, raceError(ctx, ctx.Err()))
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		<-done
		return
	}
	if o.err != nil {
		writeError(w, raceError(ctx, o.err))
		return
	}
	writeJSON(w, http.StatusOK, o.results)
}

// raceError classifies an error of surface.Race after DecodeRace's
// checks: the deadline, or an optimizer that fails on the way.
func raceError(ctx context.Context, err error) error {
	var re *RequestError
	if errors.As(err, &re) {
		return re
	}
	if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return &RequestError{Status: http.StatusServiceUnavailable, Msg: "the request ran past its deadline: ask for fewer steps or racers"}
	}
	return bad("opts", "%v", err)
}

// point answers GET /api/point?fn=SPEC&x=X,Y and POST /api/point
// {"fn", "x", "losses"} with surface.Diagnose's answer.
func (s *Server) point(w http.ResponseWriter, r *http.Request) {
	var fn *surface.Function
	var req PointRequest
	var err error
	if r.Method == http.MethodPost {
		fn, req, err = DecodePoint(r.Body, s.limits)
	} else {
		q := r.URL.Query()
		req.Fn = q.Get("fn")
		if req.X, err = parsePoint("x", q.Get("x")); err == nil {
			fn, req, err = checkPointRequest(req)
		}
	}
	if err != nil {
		writeError(w, err)
		return
	}
	d, err := surface.Diagnose(fn, req.X, req.Losses)
	if err != nil {
		writeError(w, bad("x", "%v", err))
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// parsePoint reads "x,y" (comma-separated numbers) from a query parameter.
func parsePoint(field, s string) ([]float64, error) {
	if strings.TrimSpace(s) == "" {
		return nil, bad(field, "missing: give the point, as %s=1,2", field)
	}
	parts := strings.Split(s, ",")
	if len(parts) > 1000 {
		return nil, bad(field, "%d coordinates; at most 1000", len(parts))
	}
	x := make([]float64, len(parts))
	for i, p := range parts {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return nil, bad(field, "%q is not a number (want coordinates separated by commas, as 1,2)", p)
		}
		x[i] = v
	}
	return x, nil
}

// grid answers GET /api/grid?fn=SPEC&n=N: f on an n×n grid over the
// function's domain. z[j][i] is f(x[i], y[j]); null where f is not
// finite. zmin and zmax are the least and greatest finite values.
func (s *Server) grid(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	fn, err := buildFunction("fn", q.Get("fn"))
	if err != nil {
		writeError(w, err)
		return
	}
	if fn.Dim() != 2 {
		writeError(w, bad("fn", "%s has %d coordinates; the playground draws surfaces of 2", fn.Spec(), fn.Dim()))
		return
	}
	n := defaultGrid
	if v := q.Get("n"); v != "" {
		n, err = strconv.Atoi(v)
		if err != nil || n < minGrid || n > s.limits.MaxGrid {
			writeError(w, bad("n", "%q: want an integer from %d to %d", v, minGrid, s.limits.MaxGrid))
			return
		}
	}
	b, err := gridJSON(r.Context(), fn, n)
	if err != nil {
		writeError(w, &RequestError{Status: http.StatusServiceUnavailable, Msg: "the grid ran past its deadline: ask for a smaller n"})
		return
	}
	writeBytes(w, http.StatusOK, b)
}

// gridJSON evaluates fn on the n×n grid and writes the answer of
// GET /api/grid, numbers with 7 significant digits.
func gridJSON(ctx context.Context, fn *surface.Function, n int) ([]byte, error) {
	dom := fn.Domain()
	axis := func(r surface.Range) []float64 {
		a := make([]float64, n)
		for i := range a {
			a[i] = r.Lo + (r.Hi-r.Lo)*float64(i)/float64(n-1)
		}
		return a
	}
	xs, ys := axis(dom[0]), axis(dom[1])
	desc, err := json.Marshal(fn)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, 64+len(desc)+n*n*14)
	b = append(b, `{"fn":`...)
	b = append(b, desc...)
	b = append(b, `,"n":`...)
	b = strconv.AppendInt(b, int64(n), 10)
	b = appendExact(append(b, `,"x":`...), xs)
	b = appendExact(append(b, `,"y":`...), ys)
	b = append(b, `,"z":[`...)
	zmin, zmax := math.Inf(1), math.Inf(-1)
	pt := make([]float64, 2)
	row := make([]float64, n)
	for j, y := range ys {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		for i, x := range xs {
			pt[0], pt[1] = x, y
			row[i] = fn.Value(pt)
			if !math.IsNaN(row[i]) && !math.IsInf(row[i], 0) {
				zmin, zmax = min(zmin, row[i]), max(zmax, row[i])
			}
		}
		if j > 0 {
			b = append(b, ',')
		}
		b = appendFloats(b, row)
	}
	b = append(b, ']')
	if zmin > zmax { // no finite value at all
		zmin, zmax = 0, 0
	}
	b = appendFloat(append(b, `,"zmin":`...), zmin)
	b = appendFloat(append(b, `,"zmax":`...), zmax)
	return append(b, "}\n"...), nil
}

// appendExact writes v (finite) with every digit.
func appendExact(b []byte, v []float64) []byte {
	b = append(b, '[')
	for i, x := range v {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendFloat(b, x, 'g', -1, 64)
	}
	return append(b, ']')
}

// appendFloats writes v as appendFloat does.
func appendFloats(b []byte, v []float64) []byte {
	b = append(b, '[')
	for i, x := range v {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendFloat(b, x)
	}
	return append(b, ']')
}

// appendFloat writes x with 7 significant digits, null when not finite.
func appendFloat(b []byte, x float64) []byte {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, x, 'g', 7, 64)
}
