package landscape_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/descent-ml/descent/landscape"
	"github.com/descent-ml/descent/train"
)

// A 1-D slice of the loss of a small network on the spirals, through its
// checkpoint along a filter-normalised random direction.
func ExampleRun() {
	dir, err := os.MkdirTemp("", "descent-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if _, err := train.Run(context.Background(), train.Config{Data: "spirals:n=300", Model: "mlp:2-16-3",
		Epochs: 2, Out: dir}, nil); err != nil {
		log.Fatal(err)
	}
	x, err := landscape.ParseAxis("-1:1:5")
	if err != nil {
		log.Fatal(err)
	}
	res, err := landscape.Run(context.Background(), landscape.Config{Checkpoint: dir, Mode: landscape.Mode1D, X: x, Seed: 1}, nil)
	if err != nil {
		log.Fatal(err)
	}
	ev, err := train.Evaluate(context.Background(), train.EvalConfig{Checkpoint: dir})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(res.Loss[0]), "points; the centre is the checkpoint's loss:", res.Loss[0][2] == ev.Loss)
	// Output:
	// 5 points; the centre is the checkpoint's loss: true
}
