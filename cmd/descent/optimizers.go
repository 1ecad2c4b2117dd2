package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/descent-ml/descent/optim"
)

func init() {
	commands["optimizers"] = command{"list the optimizers and their spec names", runOptimizers}
}

func runOptimizers(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("optimizers", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	for _, n := range optim.Names() {
		fmt.Fprintln(stdout, n)
	}
	return nil
}
