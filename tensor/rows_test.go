package tensor

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/descent-ml/descent/internal/kernel"
	"github.com/descent-ml/descent/internal/parallel"
)

// TestRows checks the row-wise kernels against direct loops, for shapes
// with one row, one column, many rows (several chunks) and rank 3.
func TestRows(t *testing.T) {
	for _, shape := range [][]int{{1, 1}, {1, 9}, {7, 1}, {5, 13}, {3, 4, 10}, {2000, 17}, {3, 20000}} {
		rng := rand.New(rand.NewPCG(uint64(len(shape)), uint64(shape[0])))
		x := randTensor[float64](rng, 30, shape...)
		rows, cols := dims(x)
		row := func(i int) []float64 { return x.Data[i*cols : (i+1)*cols] }

		rs, cs, mx := Zeros[float64](rows), Zeros[float64](cols), Zeros[float64](rows)
		arg := make([]int, rows)
		sm, lsm := Zeros[float64](shape...), Zeros[float64](shape...)
		dy := randTensor[float64](rng, 1, shape...)
		dsm, dlsm := Zeros[float64](shape...), Zeros[float64](shape...)
		bias := randTensor[float64](rng, 1, cols)
		ar := Zeros[float64](shape...)
		for _, err := range []error{
			RowSums(rs, x), ColSums(cs, x), RowMax(mx, arg, x), Softmax(sm, x), LogSoftmax(lsm, x),
			SoftmaxBackward(dsm, dy, sm), LogSoftmaxBackward(dlsm, dy, lsm), AddRow(ar, x, bias),
		} {
			if err != nil {
				t.Fatal(err)
			}
		}
		var total float64
		for _, v := range x.Data {
			total += v
		}
		if got := Sum(x); !closeTo(got, total, 1e-12) {
			t.Fatalf("%v: Sum = %v, want %v", shape, got, total)
		}
		for j := range cols {
			var s float64
			for i := range rows {
				s += row(i)[j]
			}
			if !closeTo(cs.Data[j], s, 1e-12) {
				t.Fatalf("%v: ColSums[%d] = %v, want %v", shape, j, cs.Data[j], s)
			}
		}
		for i := range rows {
			r := row(i)
			var s, m float64 = 0, math.Inf(-1)
			a := 0
			for j, v := range r {
				s += v
				if v > m {
					m, a = v, j
				}
			}
			if !closeTo(rs.Data[i], s, 1e-12) || mx.Data[i] != m || arg[i] != a {
				t.Fatalf("%v row %d: sum %v max %v arg %d, want %v %v %d", shape, i, rs.Data[i], mx.Data[i], arg[i], s, m, a)
			}
			var z float64
			for _, v := range r {
				z += math.Exp(v)
			}
			var dot, dsum float64
			for j := range r {
				p := math.Exp(r[j]) / z
				dot += dy.Data[i*cols+j] * p
				dsum += dy.Data[i*cols+j]
			}
			for j, v := range r {
				k := i*cols + j
				p := math.Exp(v) / z
				checks := []struct {
					name      string
					got, want float64
				}{
					{"softmax", sm.Data[k], p},
					{"log-softmax", lsm.Data[k], v - math.Log(z)},
					{"softmax'", dsm.Data[k], p * (dy.Data[k] - dot)},
					{"log-softmax'", dlsm.Data[k], dy.Data[k] - p*dsum},
					{"add row", ar.Data[k], v + bias.Data[j]},
				}
				for _, c := range checks {
					if !closeTo(c.got, c.want, 1e-10) {
						t.Fatalf("%v %s[%d,%d] = %v, want %v", shape, c.name, i, j, c.got, c.want)
					}
				}
			}
		}
	}
}

// TestSoftmaxStable: huge logits neither overflow nor lose the answer.
func TestSoftmaxStable(t *testing.T) {
	x, _ := FromSlice([]float32{1000, 1000, -1000, 88, 89, 90}, 2, 3)
	y, ly := Zeros[float32](2, 3), Zeros[float32](2, 3)
	if err := Softmax(y, x); err != nil {
		t.Fatal(err)
	}
	if err := LogSoftmax(ly, x); err != nil {
		t.Fatal(err)
	}
	want := []float64{0.5, 0.5, 0, 0.09003057, 0.24472847, 0.66524096}
	for i, w := range want {
		if !closeTo(float64(y.Data[i]), w, 1e-6) {
			t.Fatalf("softmax = %v", y.Data)
		}
		if w > 0 && !closeTo(float64(ly.Data[i]), math.Log(w), 1e-6) {
			t.Fatalf("log-softmax = %v", ly.Data)
		}
	}
	if !math.IsInf(float64(ly.Data[2]), 0) && ly.Data[2] != -2000-float32(math.Log(2)) {
		t.Fatalf("log-softmax of the tiny logit = %v", ly.Data[2])
	}
}

func TestSumThreads(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	x := randTensor[float32](rng, 1, 5*ewGrain+3)
	s1 := func() float32 { defer parallel.SetThreads(parallel.SetThreads(1)); return Sum(x) }()
	s2 := func() float32 { defer parallel.SetThreads(parallel.SetThreads(2)); return Sum(x) }()
	if s1 != s2 {
		t.Fatalf("Sum: %v (1 thread) != %v (2)", s1, s2)
	}
}

func TestRowErrors(t *testing.T) {
	x := Zeros[float32](4, 3)
	for name, err := range map[string]error{
		"rowsums": RowSums(Zeros[float32](3), x),
		"colsums": ColSums(Zeros[float32](4), x),
		"rowmax":  RowMax(nil, make([]int, 3), x),
		"softmax": Softmax(Zeros[float32](3, 4), x),
		"addrow":  AddRow(Zeros[float32](4, 3), x, Zeros[float32](4)),
		"empty":   RowMax(Zeros[float32](4), nil, Zeros[float32](4, 0)),
	} {
		if !errors.Is(err, ErrShape) {
			t.Errorf("%s: err = %v, want ErrShape", name, err)
		}
	}
}

// TestSoftmaxNaN: a NaN logit makes its row NaN and leaves the others.
func TestSoftmaxNaN(t *testing.T) {
	x, _ := FromSlice([]float32{1, float32(math.NaN()), 2, 1, 2, 3}, 2, 3)
	for name, f := range map[string]func(y, x *Tensor[float32]) error{"softmax": Softmax[float32], "log-softmax": LogSoftmax[float32]} {
		y := Zeros[float32](2, 3)
		if err := f(y, x); err != nil {
			t.Fatal(err)
		}
		for j := range 3 {
			if !math.IsNaN(float64(y.Data[j])) || math.IsNaN(float64(y.Data[3+j])) {
				t.Fatalf("%s = %v", name, y.Data)
			}
		}
	}
}

// The float32 bias add, element-wise add and column sums give the same
// bits with and without the SIMD kernels, tails included.
func TestSumsSIMD(t *testing.T) {
	defer func(e bool) { kernel.Enabled = e }(kernel.Enabled)
	if !kernel.Enabled {
		t.Skip("no SIMD kernels")
	}
	rng := rand.New(rand.NewPCG(9, 9))
	for _, shape := range [][2]int{{1, 1}, {37, 130}, {128, 512}, {3, 1000}, {300, 10}, {2, 70000}} {
		rows, cols := shape[0], shape[1]
		x, y := randTensor[float32](rng, 3, rows, cols), randTensor[float32](rng, 3, rows, cols)
		bias := randTensor[float32](rng, 3, cols)
		x.Data[0], y.Data[len(y.Data)-1] = float32(math.Inf(1)), float32(math.NaN())
		run := func(simd bool) (add, addRow, colSums *Tensor[float32]) {
			kernel.Enabled = simd
			add, addRow, colSums = Zeros[float32](rows, cols), Zeros[float32](rows, cols), Zeros[float32](cols)
			for _, err := range []error{Add(add, x, y), AddRow(addRow, x, bias), ColSums(colSums, y)} {
				if err != nil {
					t.Fatal(err)
				}
			}
			return
		}
		a1, r1, c1 := run(true)
		a0, r0, c0 := run(false)
		for name, p := range map[string][2]*Tensor[float32]{"add": {a1, a0}, "add row": {r1, r0}, "column sums": {c1, c0}} {
			for i := range p[0].Data {
				g, w := p[0].Data[i], p[1].Data[i]
				if math.Float32bits(g) != math.Float32bits(w) && !(g != g && w != w) {
					t.Fatalf("%v %s [%d]: %v with SIMD, %v without", shape, name, i, g, w)
				}
			}
		}
	}
}
