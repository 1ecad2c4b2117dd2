package bench

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tinyMNIST writes a directory of MNIST-format files with n training and
// m test images of ten classes (a bright square at a place per class).
func tinyMNIST(t *testing.T, n, m int) string {
	t.Helper()
	dir := t.TempDir()
	write := func(name string, dims []int, payload []byte) {
		var raw bytes.Buffer
		raw.Write([]byte{0, 0, 0x08, byte(len(dims))})
		for _, d := range dims {
			binary.Write(&raw, binary.BigEndian, uint32(d))
		}
		raw.Write(payload)
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		zw.Write(raw.Bytes())
		zw.Close()
		if err := os.WriteFile(filepath.Join(dir, name+".gz"), gz.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	images := func(n int) ([]byte, []byte) {
		px, labels := make([]byte, n*784), make([]byte, n)
		for i := range n {
			c := i % 10
			labels[i] = byte(c)
			r0, c0 := 2+(c/5)*12, 2+(c%5)*5
			for r := r0; r < r0+8; r++ {
				for k := c0; k < c0+4; k++ {
					px[i*784+r*28+k] = 200
				}
			}
		}
		return px, labels
	}
	px, lab := images(n)
	write("train-images-idx3-ubyte", []int{n, 28, 28}, px)
	write("train-labels-idx1-ubyte", []int{n}, lab)
	px, lab = images(m)
	write("t10k-images-idx3-ubyte", []int{m, 28, 28}, px)
	write("t10k-labels-idx1-ubyte", []int{m}, lab)
	return dir
}

func TestTrainWorkloads(t *testing.T) {
	dir := tinyMNIST(t, 512, 100)
	var seen []string
	rows, err := Train(context.Background(), TrainConfig{Workloads: []string{W1, LeNet5}, Threads: []int{1}, Epochs: 2, Data: dir},
		func(r TrainResult) { seen = append(seen, r.Workload) })
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(seen, " ") != "w1 lenet5" || len(rows) != 2 {
		t.Fatalf("measured %v", seen)
	}
	for _, r := range rows {
		if r.Seconds == nil || !(*r.Seconds > 0) || r.Steps != 8 || r.Epochs != 2 || r.Metric != "s/epoch" || !(r.GFLOPPerS > 0) || r.Train == nil {
			t.Errorf("row %+v", r)
		}
	}
}

func TestTrainConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		cfg  TrainConfig
		want string
	}{
		{TrainConfig{Workloads: []string{"w9"}}, `workload "w9": want one of w1, w2, lenet5`},
		{TrainConfig{Threads: []int{0}}, "threads 0"},
		{TrainConfig{Epochs: -1}, "epochs -1"},
		{TrainConfig{Workloads: []string{W1}, Threads: []int{1}, Data: "/nonexistent/mnist"}, "no such file"},
	} {
		if _, err := Train(context.Background(), tc.cfg, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Train(%+v) = %v, want an error containing %q", tc.cfg, err, tc.want)
		}
	}
}

func TestTrainFLOPs(t *testing.T) {
	// W1: forward 535,040 multiply-adds, weight gradients as many, input
	// gradients of layers 2 and 3 133,632; 2 FLOPs each.
	if got := trainFLOPs(W1); got != 2*(2*535040+133632) {
		t.Errorf("W1 FLOPs %v", got)
	}
	if got := trainFLOPs(W2); got != 0 {
		t.Errorf("W2 FLOPs %v", got)
	}
}
