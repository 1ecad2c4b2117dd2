package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/descent-ml/descent/playground"
)

func init() {
	commands["serve"] = command{"the optimizer playground in the browser", runServe}
}

// serveFlags is what "descent serve" is asked for.
type serveFlags struct {
	Addr   string
	Limits playground.Limits
}

func parseServeFlags(args []string, stderr io.Writer) (serveFlags, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: descent serve [--addr HOST:PORT] [--max-steps N] [--max-racers N] [--timeout D]")
		fs.PrintDefaults()
	}
	d := playground.DefaultLimits
	var cfg serveFlags
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:8080", "where to listen (loopback by default; port 0 picks a free one)")
	fs.IntVar(&cfg.Limits.MaxSteps, "max-steps", d.MaxSteps, "the most steps a race may take per optimizer")
	fs.IntVar(&cfg.Limits.MaxRacers, "max-racers", d.MaxRacers, "the most optimizers in one race")
	fs.DurationVar(&cfg.Limits.Timeout, "timeout", d.Timeout, "the deadline of every request")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	switch {
	case cfg.Limits.MaxSteps < 1:
		return cfg, fmt.Errorf("--max-steps=%d: want at least 1", cfg.Limits.MaxSteps)
	case cfg.Limits.MaxRacers < 1:
		return cfg, fmt.Errorf("--max-racers=%d: want at least 1", cfg.Limits.MaxRacers)
	case cfg.Limits.Timeout < time.Millisecond:
		return cfg, fmt.Errorf("--timeout=%v: want at least 1ms", cfg.Limits.Timeout)
	}
	return cfg, nil
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseServeFlags(args, stderr)
	if err != nil {
		return err
	}
	return playground.ListenAndServe(ctx, cfg.Addr, cfg.Limits, stdout)
}
