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

// The loss in the plane of a training trajectory's top two principal
// components, with the path projected on it: the run saves its weights
// every 5 steps, and the grid defaults to the path's extent.
func ExampleRun_pca() {
	dir, err := os.MkdirTemp("", "descent-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if _, err := train.Run(context.Background(), train.Config{Data: "blobs:n=300,test=100", Model: "mlp:2-8-3",
		Steps: 40, SnapshotEvery: 5, Out: dir}, nil); err != nil {
		log.Fatal(err)
	}
	res, err := landscape.Run(context.Background(), landscape.Config{Mode: landscape.ModePCA, Trajectory: dir}, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d×%d points; %d snapshots at steps %v, ending at %v\n", len(res.X), len(res.Y), len(res.Path), res.Steps, res.Path[len(res.Path)-1])
	fmt.Println("PC1 explains more than PC2:", res.Explained[0] > res.Explained[1])
	// Output:
	// 51×51 points; 9 snapshots at steps [0 5 10 15 20 25 30 35 40], ending at [0 0]
	// PC1 explains more than PC2: true
}
