package data_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"strings"

	"github.com/descent-ml/descent/data"
)

// The batch size picks the kind of gradient descent: 0 (the whole set) is
// full-batch, 1 is stochastic, anything between is mini-batch.
func ExampleNewLoader() {
	ds, err := data.Spirals(data.SpiralsConfig{N: 10, Arms: 2, Noise: 0.2, Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	for _, bs := range []int{0, 1, 4} {
		l, err := data.NewLoader(ds, data.LoaderConfig{BatchSize: bs, Shuffle: true, Seed: 7})
		if err != nil {
			log.Fatal(err)
		}
		var b data.Batch
		var sizes []int
		for l.Next(&b) { // one epoch
			sizes = append(sizes, b.Len())
		}
		fmt.Printf("batch size %d: %d steps per epoch, sizes %v\n", bs, l.BatchesPerEpoch(), sizes)
	}
	// Output:
	// batch size 0: 1 steps per epoch, sizes [10]
	// batch size 1: 10 steps per epoch, sizes [1 1 1 1 1 1 1 1 1 1]
	// batch size 4: 3 steps per epoch, sizes [4 4 2]
}

// A Loader's position goes into a checkpoint as JSON; a new Loader with the
// same settings, restored from it, deals the same batches the first one
// would have.
func ExampleLoader_State() {
	ds, _, _ := data.Blobs(data.BlobsConfig{N: 12, Seed: 3})
	cfg := data.LoaderConfig{BatchSize: 5, Shuffle: true, Seed: 42, DropLast: true}
	l, _ := data.NewLoader(ds, cfg)
	var b data.Batch
	l.Next(&b) // train a step...
	saved, _ := json.Marshal(l.State())
	l.Next(&b)
	fmt.Println("next batch:   ", b.Index)

	var st data.LoaderState
	if err := json.Unmarshal(saved, &st); err != nil {
		log.Fatal(err)
	}
	resumed, _ := data.NewLoader(ds, cfg)
	if err := resumed.Restore(st); err != nil {
		log.Fatal(err)
	}
	resumed.Next(&b)
	fmt.Println("after resume: ", b.Index)
	// Output:
	// next batch:    [1 7 4 5 9]
	// after resume:  [1 7 4 5 9]
}

// Training on MNIST as PyTorch's example does: pixels in [0, 1],
// normalized with the training set's mean and standard deviation, the last
// 5,000 training images held out for validation, shuffled mini-batches.
func ExampleFetchMNIST() {
	train, test, err := data.FetchMNIST(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	stats := data.MNISTStats() // or data.Normalize(train, false) to compute them
	for _, ds := range []*data.Dataset{train, test} {
		if err := stats.Apply(ds); err != nil {
			log.Fatal(err)
		}
	}
	train, val, err := train.HoldOut(5000)
	if err != nil {
		log.Fatal(err)
	}
	l, err := data.NewLoader(train, data.LoaderConfig{BatchSize: 64, Shuffle: true, Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	var b data.Batch
	for range 10 { // epochs
		for l.Next(&b) {
			_ = b.X      // 64×784 pixels: forward, backward, optimizer step
			_ = b.Labels // 64 digits
		}
		_ = val // evaluate on the held-out images
	}
}

func ExampleReadCSV() {
	const table = `sepal_length,sepal_width,species
5.1,3.5,setosa
7.0,3.2,versicolor
6.3,3.3,virginica
4.9,3.0,setosa
`
	ds, err := data.ReadCSV(strings.NewReader(table), "iris.csv", data.CSVOptions{Label: "species"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ds.Len(), "examples of shape", ds.Shape, ds.Kind())
	fmt.Println("classes", ds.ClassNames, "labels", ds.Labels)

	_, err = data.ReadCSV(strings.NewReader("x,y\n1,2\n3,oops\n"), "bad.csv", data.CSVOptions{Label: "x"})
	fmt.Println(err)
	// Output:
	// 4 examples of shape [2] classification
	// classes [setosa versicolor virginica] labels [0 1 2 0]
	// bad.csv: line 3, column 2 ("y"): "oops" is not a number
}

func ExampleReadIDX() {
	// A 2×3 uint8 IDX file: magic 0x00000803 with 2 dimensions, then the
	// dimensions and the data.
	file := []byte{0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6}
	m, err := data.ReadIDX(bytes.NewReader(file), "tiny.idx")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.Type, m.Dims, m.Float32s())

	_, err = data.ReadIDX(bytes.NewReader(file[:15]), "short.idx")
	fmt.Println(err)
	// Output:
	// uint8 [2 3] [1 2 3 4 5 6]
	// short.idx: offset 15: file ends after 3 of the 6 data bytes that dimensions [2 3] call for (data starts at offset 12)
}

// Normalize the training set with its own statistics, then the test set
// with the same ones.
func ExampleNormalize() {
	train, _ := data.NewRegression([]float32{1, 10, 3, 30}, []int{2}, []float32{0, 1}, 1)
	test, _ := data.NewRegression([]float32{2, 20}, []int{2}, []float32{0}, 1)
	stats, err := data.Normalize(train, true) // per feature
	if err != nil {
		log.Fatal(err)
	}
	if err := stats.Apply(test); err != nil {
		log.Fatal(err)
	}
	saved, _ := json.Marshal(stats)
	fmt.Println(string(saved))
	fmt.Println(train.X, test.X)
	// Output:
	// {"mean":[2,20],"std":[1,10]}
	// [-1 -1 1 1] [0 0]
}

func ExampleLinearRegression() {
	ds, model, err := data.LinearRegression(data.LinearConfig{N: 1000, Dim: 3, Noise: 0.1, Bias: true, Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ds.Len(), ds.Shape, ds.Kind(), "true weights:", len(model.W), "bias:", len(model.B))
	// Output: 1000 [3] regression true weights: 3 bias: 1
}

func ExampleDataset_HoldOut() {
	ds, _ := data.Spirals(data.SpiralsConfig{N: 300, Seed: 1})
	train, val, err := ds.HoldOut(50) // like --val 50
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(train.Len(), val.Len())
	// Output: 250 50
}
