package tensor

import (
	"fmt"
	"math"
	"sync"
	"unsafe"

	"github.com/descent-ml/descent/internal/kernel"
	"github.com/descent-ml/descent/internal/parallel"
)

// Row-wise kernels treat a tensor of rank ≥ 1 as a matrix whose columns are
// the last dimension and whose rows fold all the others. They run in
// parallel over rows (or, for column sums, over column ranges); every
// output element is computed by one goroutine in a fixed order, so results
// do not depend on the thread count.

type rowOp int

const (
	opRowSums rowOp = iota
	opColSums
	opRowMax
	opSoftmax
	opLogSoftmax
	opSoftmaxBack
	opLogSoftmaxBack
	opSum
	opAddRow
)

// rowTask is one row-wise loop; pooled so calls do not allocate.
type rowTask[T Float] struct {
	op         rowOp
	rows, cols int
	dst, a, b  []T
	idx        []int
	part       []float64 // per-chunk partial sums for Sum
	grain      int
}

var (
	rowPool32 = sync.Pool{New: func() any { return new(rowTask[float32]) }}
	rowPool64 = sync.Pool{New: func() any { return new(rowTask[float64]) }}
)

func getRowTask[T Float]() (*rowTask[T], *sync.Pool) {
	var z T
	pool := &rowPool64
	if unsafe.Sizeof(z) == 4 {
		pool = &rowPool32
	}
	return pool.Get().(*rowTask[T]), pool
}

// rowGrain picks rows per chunk: about ewGrain elements, expGrain for the
// loops that call exp.
func rowGrain(op rowOp, cols int) int {
	g := ewGrain
	switch op {
	case opSoftmax, opLogSoftmax, opLogSoftmaxBack:
		g = expGrain
	}
	return max(1, g/max(cols, 1))
}

func runRows[T Float](op rowOp, rows, cols int, dst, a, b []T, idx []int) {
	t, pool := getRowTask[T]()
	t.op, t.rows, t.cols, t.dst, t.a, t.b, t.idx = op, rows, cols, dst, a, b, idx
	if op == opColSums {
		// Column ranges, each summed over every row.
		t.grain = max(16, ewGrain/max(rows, 1))
		parallel.Run(cols, t.grain, t)
	} else {
		t.grain = rowGrain(op, cols)
		parallel.Run(rows, t.grain, t)
	}
	t.dst, t.a, t.b, t.idx = nil, nil, nil, nil
	pool.Put(t)
}

// Run handles rows (columns for column sums, elements for Sum) [lo, hi).
func (t *rowTask[T]) Run(lo, hi int) {
	c := t.cols
	switch t.op {
	case opSum:
		var s float64
		for _, v := range t.a[lo:hi] {
			s += float64(v)
		}
		t.part[lo/t.grain] = s
		return
	case opColSums:
		d := t.dst[lo:hi]
		if unsafe.Sizeof(d[0]) == 4 {
			k := kernel.ColSums(as[float32](d), as[float32](t.a[lo:]), t.rows, c)
			d, lo = d[k:], lo+k
		}
		clear(d)
		for r := range t.rows {
			row := t.a[r*c+lo : r*c+hi]
			for j, v := range row {
				d[j] += v
			}
		}
		return
	}
	for r := lo; r < hi; r++ {
		x := t.a[r*c : r*c+c]
		switch t.op {
		case opRowSums:
			var s T
			for _, v := range x {
				s += v
			}
			t.dst[r] = s
		case opRowMax:
			best, arg := T(math.Inf(-1)), 0
			if c > 0 {
				best = x[0]
			}
			for j, v := range x {
				if v > best || (v != v && best == best) {
					best, arg = v, j
				}
			}
			if t.dst != nil {
				t.dst[r] = best
			}
			if t.idx != nil {
				t.idx[r] = arg
			}
		case opSoftmax, opLogSoftmax:
			d := t.dst[r*c : r*c+c]
			m := T(math.Inf(-1))
			for _, v := range x { // a NaN is skipped here and poisons the sum
				if v > m {
					m = v
				}
			}
			var s float64
			if t.op == opLogSoftmax {
				for _, v := range x {
					s += float64(exp(v - m))
				}
				ls := T(math.Log(s))
				for j, v := range x {
					d[j] = v - m - ls
				}
				continue
			}
			k := 0 // x[j] is not read again once d[j] is written: d may be x
			if unsafe.Sizeof(m) == 4 {
				k = kernel.Exp(as[float32](d), as[float32](x), conv[float32](m))
			}
			for j, v := range x[k:] {
				d[k+j] = exp(v - m)
			}
			for _, e := range d {
				s += float64(e)
			}
			inv := T(1 / s)
			for j := range d {
				d[j] *= inv
			}
		case opSoftmaxBack: // a = dy, b = y: dx = y·(dy − Σ dy·y)
			y, d := t.b[r*c:r*c+c], t.dst[r*c:r*c+c]
			var s float64
			for j, g := range x {
				s += float64(g) * float64(y[j])
			}
			for j, g := range x {
				d[j] = y[j] * (g - T(s))
			}
		case opLogSoftmaxBack: // a = dy, b = y (log-probabilities): dx = dy − e^y·Σ dy
			y, d := t.b[r*c:r*c+c], t.dst[r*c:r*c+c]
			var s float64
			for _, g := range x {
				s += float64(g)
			}
			for j, g := range x {
				d[j] = g - exp(y[j])*T(s)
			}
		case opAddRow: // b = the row vector
			d, k := t.dst[r*c:r*c+c], 0
			if unsafe.Sizeof(d[0]) == 4 {
				k = kernel.Add(as[float32](d), as[float32](x), as[float32](t.b))
			}
			for j := k; j < c; j++ {
				d[j] = x[j] + t.b[j]
			}
		}
	}
}

// dims returns x's rows and columns (the last dimension; a scalar is 1×1).
func dims[T Float](x *Tensor[T]) (rows, cols int) {
	if len(x.Shape) == 0 {
		return 1, 1
	}
	cols = x.Shape[len(x.Shape)-1]
	if cols == 0 {
		return 0, 0
	}
	return len(x.Data) / cols, cols
}

// Sum returns the sum of all elements, accumulated in float64 in fixed
// chunks combined in order (the same bits for any thread count).
func Sum[T Float](x *Tensor[T]) T {
	t, pool := getRowTask[T]()
	t.op, t.a, t.grain = opSum, x.Data, ewGrain
	n := parallel.Chunks(len(x.Data), ewGrain)
	if cap(t.part) < n {
		t.part = make([]float64, n)
	}
	t.part = t.part[:n]
	parallel.Run(len(x.Data), ewGrain, t)
	var s float64
	for _, p := range t.part {
		s += p
	}
	t.a = nil
	pool.Put(t)
	return T(s)
}

// RowSums sets dst[i] to the sum of row i of x; dst must have one element
// per row.
func RowSums[T Float](dst, x *Tensor[T]) error {
	rows, cols := dims(x)
	if len(dst.Data) != rows {
		return fmt.Errorf("%w: row sums of %v into %v", ErrShape, x.Shape, dst.Shape)
	}
	runRows(opRowSums, rows, cols, dst.Data, x.Data, nil, nil)
	return nil
}

// ColSums sets dst[j] to the sum of column j of x over all rows (a bias
// gradient: the batch sum of dY); dst must have one element per column.
func ColSums[T Float](dst, x *Tensor[T]) error {
	rows, cols := dims(x)
	if len(dst.Data) != cols {
		return fmt.Errorf("%w: column sums of %v into %v", ErrShape, x.Shape, dst.Shape)
	}
	runRows(opColSums, rows, cols, dst.Data, x.Data, nil, nil)
	return nil
}

// RowMax sets maxv[i] and arg[i] to the largest element of row i of x and
// its column (the first one on ties; a NaN counts as largest). Either
// output may be nil; each must otherwise have one element per row.
func RowMax[T Float](maxv *Tensor[T], arg []int, x *Tensor[T]) error {
	rows, cols := dims(x)
	var m []T
	if maxv != nil {
		if len(maxv.Data) != rows {
			return fmt.Errorf("%w: row max of %v into %v", ErrShape, x.Shape, maxv.Shape)
		}
		m = maxv.Data
	}
	if arg != nil && len(arg) != rows {
		return fmt.Errorf("%w: row argmax of %v into %d indices", ErrShape, x.Shape, len(arg))
	}
	if cols == 0 && rows > 0 {
		return fmt.Errorf("%w: row max of empty rows %v", ErrShape, x.Shape)
	}
	runRows(opRowMax, rows, cols, m, x.Data, nil, arg)
	return nil
}

// AddRow sets dst[i, :] = x[i, :] + row for every row i (adding a bias);
// row must have one element per column.
func AddRow[T Float](dst, x, row *Tensor[T]) error {
	if err := check3("add row", dst, x, nil); err != nil {
		return err
	}
	rows, cols := dims(x)
	if len(row.Data) != cols {
		return fmt.Errorf("%w: add row %v to %v", ErrShape, row.Shape, x.Shape)
	}
	runRows(opAddRow, rows, cols, dst.Data, x.Data, row.Data, nil)
	return nil
}

// Softmax sets each row of dst to the softmax of that row of x,
// e^(x−max)/Σe^(x−max), computed stably. dst may be x.
func Softmax[T Float](dst, x *Tensor[T]) error {
	if err := check3("softmax", dst, x, nil); err != nil {
		return err
	}
	rows, cols := dims(x)
	runRows(opSoftmax, rows, cols, dst.Data, x.Data, nil, nil)
	return nil
}

// LogSoftmax sets each row of dst to x − max − log Σe^(x−max).
func LogSoftmax[T Float](dst, x *Tensor[T]) error {
	if err := check3("log-softmax", dst, x, nil); err != nil {
		return err
	}
	rows, cols := dims(x)
	runRows(opLogSoftmax, rows, cols, dst.Data, x.Data, nil, nil)
	return nil
}

// SoftmaxBackward sets dx = y·(dy − Σ_row dy·y) from the forward output y.
func SoftmaxBackward[T Float](dx, dy, y *Tensor[T]) error {
	if err := check3("softmax backward", dx, dy, y); err != nil {
		return err
	}
	rows, cols := dims(y)
	runRows(opSoftmaxBack, rows, cols, dx.Data, dy.Data, y.Data, nil)
	return nil
}

// LogSoftmaxBackward sets dx = dy − e^y·Σ_row dy from the forward output y
// (the log-probabilities).
func LogSoftmaxBackward[T Float](dx, dy, y *Tensor[T]) error {
	if err := check3("log-softmax backward", dx, dy, y); err != nil {
		return err
	}
	rows, cols := dims(y)
	runRows(opLogSoftmaxBack, rows, cols, dx.Data, dy.Data, y.Data, nil)
	return nil
}
