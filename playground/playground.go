// Package playground is descent's optimizer playground: a web page where
// optimizers race over a loss surface, driven by the very optimizer code of
// package optim through package surface. Nothing of the optimizers is
// re-implemented in JavaScript: the page asks the server for the surface's
// values on a grid, for whole races, and for the diagnosis of a point.
//
// The page (plain HTML, CSS and JavaScript, embedded in the binary: no
// CDN, no build step) draws the surface as a contour/heat map and as a
// rotatable 3-D surface, the racers' trajectories, a loss chart and, at the
// selected racer's point, the gradient, the last step, the Hessian's
// eigenvalues and the lab's diagnosis. Its whole state lives in the URL's
// hash.
//
// The API speaks the command line's JSON:
//
//	GET  /api/functions        as "descent functions --json"; ?fn=SPEC (repeatable) describes those
//	GET  /api/optimizers       the optimizers with their hyperparameters and PyTorch's defaults
//	GET  /api/grid?fn=&n=      f on an n×n grid over the function's domain
//	POST /api/race             {"fn","opts","start","steps","noise","seed","clip"}: as "descent race --json"
//	GET  /api/point?fn=&x=     (or POST {"fn","x","losses"}) surface.Diagnose at x
//	GET  /api/limits           the server's Limits: max_steps, max_racers, max_grid, max_body, timeout_ms
//
// The server is safe to leave running: request bodies, steps, racers and
// grid sizes are capped ([Limits]), every request runs under a deadline, a
// bounded number compute at once, custom expressions go through surface's
// parser (never evaluated as code), bad requests get a 400 (413 for a body
// too large) with a JSON error naming the field, and a panic in a handler
// is answered with a 500 rather than taking the server down.
package playground

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"time"
)

// Limits bound what one request may ask of the server. The zero value of a
// field means its default (DefaultLimits).
type Limits struct {
	// MaxBody is the largest request body in bytes (default 64 KiB).
	MaxBody int64
	// MaxSteps is the most steps a race may take per racer (default
	// 10000).
	MaxSteps int
	// MaxRacers is the most optimizers in one race (default 8).
	MaxRacers int
	// MaxGrid is the most points along each side of a grid (default 256).
	MaxGrid int
	// Timeout is the deadline of every request (default 10 s).
	Timeout time.Duration
	// MaxConcurrent is how many requests compute at once (default 4 per
	// CPU); the others wait for a turn until their deadline.
	MaxConcurrent int
}

// DefaultLimits are the limits a zero Limits stands for.
var DefaultLimits = Limits{
	MaxBody:       64 << 10,
	MaxSteps:      10_000,
	MaxRacers:     8,
	MaxGrid:       256,
	Timeout:       10 * time.Second,
	MaxConcurrent: 4 * runtime.GOMAXPROCS(0),
}

// withDefaults fills the zero fields of l from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.MaxBody <= 0 {
		l.MaxBody = d.MaxBody
	}
	if l.MaxSteps <= 0 {
		l.MaxSteps = d.MaxSteps
	}
	if l.MaxRacers <= 0 {
		l.MaxRacers = d.MaxRacers
	}
	if l.MaxGrid <= 0 {
		l.MaxGrid = d.MaxGrid
	}
	if l.Timeout <= 0 {
		l.Timeout = d.Timeout
	}
	if l.MaxConcurrent <= 0 {
		l.MaxConcurrent = max(d.MaxConcurrent, 1)
	}
	return l
}

// Server is the playground: the page and its API. Create it with New; it
// is an http.Handler safe for concurrent use.
type Server struct {
	limits  Limits
	handler http.Handler
	slots   chan struct{} // one token per request computing
	logf    func(format string, args ...any)
}

// New returns a playground server with the given limits (zero fields take
// DefaultLimits).
func New(limits Limits) *Server {
	s := &Server{limits: limits.withDefaults(), logf: func(string, ...any) {}}
	s.slots = make(chan struct{}, s.limits.MaxConcurrent)
	s.handler = s.routes()
	return s
}

// Limits returns the limits the server enforces, defaults filled in.
func (s *Server) Limits() Limits { return s.limits }

// SetLogf sets where the server reports what it recovers from (a panic in
// a handler); by default it says nothing. Call it before serving.
func (s *Server) SetLogf(logf func(format string, args ...any)) {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	s.logf = logf
}

// ServeHTTP serves the page and the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// ListenAndServe serves a playground with the given limits on addr
// ("127.0.0.1:8080"; port 0 picks a free one), writes the page's URL to
// out, and serves until ctx is cancelled; it then stops accepting
// connections, lets the requests in flight finish (up to 5 seconds) and
// returns nil. Any other end is an error.
func ListenAndServe(ctx context.Context, addr string, limits Limits, out io.Writer) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	s := New(limits)
	s.SetLogf(func(format string, args ...any) { fmt.Fprintf(out, format+"\n", args...) })
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       s.limits.Timeout + 5*time.Second,
		WriteTimeout:      s.limits.Timeout + 10*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	fmt.Fprintf(out, "descent playground: %s\n", pageURL(ln.Addr()))
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !tcp.IP.IsLoopback() {
		fmt.Fprintln(out, "listening beyond loopback: anyone who can reach this machine can use the playground")
	}
	fmt.Fprintln(out, "press Ctrl-C to stop")
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = srv.Shutdown(sctx)
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}

// pageURL is the URL a browser opens for a listener's address: an
// unspecified host (0.0.0.0, ::) is shown as the loopback address.
func pageURL(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return "http://" + a.String() + "/"
	}
	host := tcp.IP.String()
	if tcp.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, fmt.Sprint(tcp.Port)) + "/"
}
