package playground

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/descent-ml/descent/optim"
	"github.com/descent-ml/descent/surface"
)

// RequestError is a request the server refuses: the HTTP status (400 for a
// bad request, 413 for a body over the limit), the field at fault ("steps",
// "opts[1]", "start"; empty when the body as a whole is at fault) and why.
// The server writes it as {"error": "...", "field": "..."}.
type RequestError struct {
	Status int    `json:"-"`
	Msg    string `json:"error"`
	Field  string `json:"field,omitempty"`
}

// Error returns "field: message", or the message alone when no field is
// at fault.
func (e *RequestError) Error() string {
	if e.Field == "" {
		return e.Msg
	}
	return e.Field + ": " + e.Msg
}

// bad returns a 400 RequestError for field.
func bad(field, format string, args ...any) *RequestError {
	return &RequestError{Status: http.StatusBadRequest, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// RaceRequest is the body of POST /api/race: the flags of "descent race"
// as JSON. Fn and Opts are required; the rest take the command line's
// defaults (the function's suggested start, 500 steps, no noise, seed 0,
// no clipping).
type RaceRequest struct {
	Fn    string    `json:"fn"`              // the surface, as --fn: "rosenbrock:b=10", "expr:x^2 - y^2"
	Opts  []string  `json:"opts"`            // the optimizers, one spec each, as --opt
	Start []float64 `json:"start,omitempty"` // the common start, as --start
	Steps int       `json:"steps,omitempty"` // steps per racer, as --steps (default 500)
	Noise float64   `json:"noise,omitempty"` // σ of the gradient noise, as --noise
	Seed  uint64    `json:"seed,omitempty"`  // the noise's seed, as --seed
	Clip  float64   `json:"clip,omitempty"`  // clip the gradient's norm to this, as --clip-norm (0: none)
}

// DefaultSteps is the number of steps of a race that does not say, as for
// "descent race".
const DefaultSteps = 500

// PointRequest is the body of POST /api/point: a point of a surface to
// diagnose, with optionally the last losses of the run that reached it
// (oldest first; the plateau test looks at them).
type PointRequest struct {
	Fn     string    `json:"fn"`
	X      []float64 `json:"x"`
	Losses []float64 `json:"losses,omitempty"`
}

// The bounds the decoders put on text and lists, beyond Limits.
const (
	maxSpecLen  = 2048 // a function or optimizer spec, in bytes
	maxLosses   = surface.RecentLosses
	maxPoints   = 1 << 18 // steps × racers × dimension: the coordinates a race returns
	maxNoise    = 1e6
	maxLBFGSIts = 100 // L-BFGS max_iter and history_size (PyTorch's defaults: 20, 100); max_eval at most 5/4 of it
	maxNSSteps  = 100 // Muon's Newton–Schulz iterations
)

// DecodeRace reads a RaceRequest from body and checks it against lim: the
// function is built (surface.New), every optimizer spec is tried
// (optim.New), and the start, steps, noise, seed and clip are checked as
// surface.Race would, so that a bad request is refused with the field at
// fault before any work. A body over lim.MaxBody is a 413; every other
// refusal a 400. The error is always a *RequestError.
func DecodeRace(body io.Reader, lim Limits) (*surface.Function, surface.RaceConfig, error) {
	lim = lim.withDefaults()
	req := RaceRequest{Steps: DefaultSteps}
	if err := decodeJSON(body, lim.MaxBody, &req); err != nil {
		return nil, surface.RaceConfig{}, err
	}
	fn, err := buildFunction("fn", req.Fn)
	if err != nil {
		return nil, surface.RaceConfig{}, err
	}
	cfg := surface.RaceConfig{Specs: req.Opts, Start: req.Start, Steps: req.Steps, Noise: req.Noise, Seed: req.Seed, ClipNorm: req.Clip}
	if len(req.Opts) == 0 {
		return nil, cfg, bad("opts", "give at least one optimizer spec, as [\"sgd:lr=0.01\"]")
	}
	if len(req.Opts) > lim.MaxRacers {
		return nil, cfg, bad("opts", "%d optimizers; the playground races at most %d", len(req.Opts), lim.MaxRacers)
	}
	for i, spec := range req.Opts {
		if err := checkSpec(spec, fn.Dim()); err != nil {
			return nil, cfg, bad(fmt.Sprintf("opts[%d]", i), "%v", err)
		}
	}
	if req.Start != nil {
		if err := checkPoint(fn, req.Start); err != nil {
			return nil, cfg, bad("start", "%v", err)
		}
	}
	if req.Steps < 1 || req.Steps > lim.MaxSteps {
		return nil, cfg, bad("steps", "steps=%d: want 1 to %d", req.Steps, lim.MaxSteps)
	}
	if n := req.Steps * len(req.Opts) * fn.Dim(); n > maxPoints {
		return nil, cfg, bad("steps", "%d steps × %d optimizers × %d coordinates = %d numbers; the playground returns at most %d",
			req.Steps, len(req.Opts), fn.Dim(), n, maxPoints)
	}
	if !(req.Noise >= 0 && req.Noise <= maxNoise) {
		return nil, cfg, bad("noise", "noise=%v: want σ from 0 to %g", req.Noise, maxNoise)
	}
	if !(req.Clip >= 0) || math.IsInf(req.Clip, 1) {
		return nil, cfg, bad("clip", "clip=%v: want a finite norm > 0, or 0 for no clipping", req.Clip)
	}
	return fn, cfg, nil
}

// DecodePoint reads a PointRequest from body and checks it: the function
// is built, x has its dimension and is finite, and at most
// surface.RecentLosses finite losses come with it. Errors are
// *RequestError, as for DecodeRace.
func DecodePoint(body io.Reader, lim Limits) (*surface.Function, PointRequest, error) {
	lim = lim.withDefaults()
	var req PointRequest
	if err := decodeJSON(body, lim.MaxBody, &req); err != nil {
		return nil, req, err
	}
	return checkPointRequest(req)
}

// checkPointRequest builds the function of a point query and checks the
// point and the losses.
func checkPointRequest(req PointRequest) (*surface.Function, PointRequest, error) {
	fn, err := buildFunction("fn", req.Fn)
	if err != nil {
		return nil, req, err
	}
	if req.X == nil {
		return nil, req, bad("x", "missing: give the point, as [1, 2]")
	}
	if len(req.X) != fn.Dim() {
		return nil, req, bad("x", "%d coordinates; %s takes %d", len(req.X), fn.Name(), fn.Dim())
	}
	if len(req.Losses) > maxLosses {
		return nil, req, bad("losses", "%d losses; give at most the last %d", len(req.Losses), maxLosses)
	}
	return fn, req, nil
}

// decodeJSON decodes exactly one JSON object from body (at most maxBody
// bytes) into dst, refusing unknown fields and trailing data.
func decodeJSON(body io.Reader, maxBody int64, dst any) *RequestError {
	data, err := io.ReadAll(io.LimitReader(body, maxBody+1))
	if err != nil {
		if mb := (*http.MaxBytesError)(nil); errors.As(err, &mb) {
			return tooLarge(mb.Limit)
		}
		return bad("", "reading the body: %v", err)
	}
	if int64(len(data)) > maxBody {
		return tooLarge(maxBody)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return bad("", "empty body: want a JSON object")
	}
	if t := bytes.TrimSpace(data)[0]; t != '{' {
		return bad("", "the body is not a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err, dst)
	}
	if _, err := dec.Token(); err != io.EOF {
		return bad("", "data after the JSON object")
	}
	return nil
}

func tooLarge(limit int64) *RequestError {
	return &RequestError{Status: http.StatusRequestEntityTooLarge, Msg: fmt.Sprintf("the body is over %d bytes", limit)}
}

// jsonError turns an encoding/json error into a RequestError naming the
// field where it can.
func jsonError(err error, dst any) *RequestError {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return bad("", "the body is not valid JSON: %v (at byte %d)", syn, syn.Offset)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return bad(field, "want %s, not a JSON %s", kindName(typ.Type.String()), typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return bad("", "the body ends inside the JSON object")
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name, _ = strconv.Unquote(name)
		return bad(name, "unknown field (the fields are %s)", strings.Join(fieldNames(dst), ", "))
	}
	return bad("", "the body is not a valid request: %v", err)
}

// fieldNames lists the JSON names of the fields of the struct *dst.
func fieldNames(dst any) []string {
	t := reflect.TypeOf(dst).Elem()
	var names []string
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
			names = append(names, name)
		}
	}
	return names
}

// kindName says in words what a Go type of a request field takes.
func kindName(t string) string {
	switch t {
	case "string":
		return "a string"
	case "[]string":
		return "a list of strings"
	case "[]float64":
		return "a list of numbers"
	case "float64":
		return "a number"
	case "int":
		return "an integer"
	case "uint64":
		return "an integer from 0 to 2^64 − 1"
	}
	return t
}

// buildFunction builds the surface a spec names, refusing empty and
// over-long specs; errors name field.
func buildFunction(field, spec string) (*surface.Function, error) {
	if strings.TrimSpace(spec) == "" {
		return nil, bad(field, "missing: name a surface, as \"rosenbrock\" or \"expr:x^2 - y^2\"")
	}
	if len(spec) > maxSpecLen {
		return nil, bad(field, "%d bytes; at most %d", len(spec), maxSpecLen)
	}
	if fn := functions.get(spec); fn != nil {
		return fn, nil
	}
	fn, err := surface.New(spec)
	if err != nil {
		return nil, bad(field, "%v", err)
	}
	functions.put(spec, fn)
	return fn, nil
}

// functionCache keeps the surfaces built lately by their spec: building one
// samples it over its domain (for the diagnosis's scales), which costs more
// than the point query the page asks for at every step. Functions are
// immutable, so one may serve every request.
type functionCache struct {
	mu sync.Mutex
	m  map[string]*surface.Function
}

// maxCachedFunctions bounds the cache; when full it starts again empty.
const maxCachedFunctions = 256

var functions = &functionCache{m: map[string]*surface.Function{}}

func (c *functionCache) get(spec string) *surface.Function {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[spec]
}

func (c *functionCache) put(spec string, fn *surface.Function) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxCachedFunctions {
		clear(c.m)
	}
	c.m[spec] = fn
}

// checkPoint checks a start as surface.Race does: dim coordinates, finite,
// within the function's limits, where f is finite.
func checkPoint(fn *surface.Function, x []float64) error {
	if len(x) != fn.Dim() {
		return fmt.Errorf("%d coordinates; %s takes %d", len(x), fn.Name(), fn.Dim())
	}
	for i, r := range fn.Limits() {
		if x[i] < r.Lo || x[i] > r.Hi {
			return fmt.Errorf("coordinate %d is %v, outside [%g, %g] (the domain widened by five widths each way)", i, x[i], r.Lo, r.Hi)
		}
	}
	if v := fn.Value(x); math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("f is %v there: start where the function is defined", v)
	}
	return nil
}

// checkSpec tries an optimizer spec over a parameter of dim coordinates
// and bounds the work one step of it may do: L-BFGS's inner iterations,
// evaluations and history, Muon's Newton–Schulz iterations.
func checkSpec(spec string, dim int) error {
	if strings.TrimSpace(spec) == "" {
		return errors.New("empty spec: name an optimizer, as \"adam:lr=0.01\"")
	}
	if len(spec) > maxSpecLen {
		return fmt.Errorf("%d bytes; at most %d", len(spec), maxSpecLen)
	}
	// A wrapper's spec holds its inner optimizer's after '+'
	// ("lookahead:k=5+lbfgs:max_iter=10"): every part is bounded.
	for part := range strings.SplitSeq(spec, "+") {
		name, h, err := optim.ParseSpec(part)
		if err != nil {
			continue // optim.New below says what is wrong
		}
		for _, kv := range h {
			limit := 0
			switch {
			case name == "lbfgs" && (kv.Key == "max_iter" || kv.Key == "history_size"):
				limit = maxLBFGSIts
			case name == "lbfgs" && kv.Key == "max_eval":
				limit = maxLBFGSIts * 5 / 4
			case name == "muon" && kv.Key == "ns_steps":
				limit = maxNSSteps
			}
			if limit == 0 {
				continue
			}
			if v, err := strconv.ParseFloat(kv.Value, 64); err == nil && !(v <= float64(limit)) {
				return fmt.Errorf("%s=%s: the playground allows at most %d", kv.Key, kv.Value, limit)
			}
		}
	}
	x, g := make([]float64, dim), make([]float64, dim)
	if _, err := optim.New(spec, []*optim.Param{optim.NewParam("x", x, g)}); err != nil {
		return err
	}
	return nil
}
