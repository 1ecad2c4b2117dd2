package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/descent-ml/descent/optim/schedule"
)

func init() {
	commands["schedules"] = command{"list the learning-rate schedules and their spec names", runSchedules}
}

func runSchedules(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("schedules", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	for _, n := range schedule.Names() {
		fmt.Fprintln(stdout, n)
	}
	return nil
}
