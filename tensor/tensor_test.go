package tensor

import (
	"errors"
	"slices"
	"testing"
)

func TestFromSlice(t *testing.T) {
	for _, tc := range []struct {
		n     int
		shape []int
		ok    bool
	}{
		{6, []int{2, 3}, true},
		{6, []int{6}, true},
		{1, nil, true},
		{0, []int{0, 4}, true},
		{6, []int{4, 2}, false},
		{6, []int{-2, -3}, false},
	} {
		x, err := FromSlice(make([]float32, tc.n), tc.shape...)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrShape)) {
			t.Errorf("FromSlice(%d, %v): err = %v", tc.n, tc.shape, err)
		}
		if err == nil && x.Len() != tc.n {
			t.Errorf("FromSlice(%d, %v): Len = %d", tc.n, tc.shape, x.Len())
		}
	}
}

func TestReshape(t *testing.T) {
	x := Zeros[float64](2, 3, 4)
	for _, tc := range []struct {
		shape, want []int
	}{
		{[]int{6, 4}, []int{6, 4}},
		{[]int{-1, 4}, []int{6, 4}},
		{[]int{2, -1}, []int{2, 12}},
		{[]int{24}, []int{24}},
		{[]int{5, 5}, nil},
		{[]int{-1, -1}, nil},
		{[]int{-1, 5}, nil},
		{[]int{-3, 8}, nil},
	} {
		v, err := x.Reshape(tc.shape...)
		if tc.want == nil {
			if !errors.Is(err, ErrShape) {
				t.Errorf("Reshape(%v): err = %v, want ErrShape", tc.shape, err)
			}
			continue
		}
		if err != nil || !slices.Equal(v.Shape, tc.want) {
			t.Errorf("Reshape(%v) = %v, %v; want %v", tc.shape, v, err, tc.want)
			continue
		}
		v.Data[5] = 7 // a view shares data
		if x.Data[5] != 7 {
			t.Errorf("Reshape(%v) is not a view", tc.shape)
		}
		x.Data[5] = 0
	}
}

func TestAccessors(t *testing.T) {
	x, _ := FromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	if x.At(1, 2) != 6 || x.At(0, 1) != 2 || x.Dim(-1) != 3 || x.Rank() != 2 || !slices.Equal(x.Row(1), []float32{4, 5, 6}) {
		t.Fatalf("accessors wrong on %v", x)
	}
	c := x.Clone()
	c.Set(9, 0, 0)
	if x.At(0, 0) != 1 || c.At(0, 0) != 9 {
		t.Fatal("Clone shares data")
	}
	if err := c.CopyFrom(x); err != nil || c.At(0, 0) != 1 {
		t.Fatalf("CopyFrom: %v", err)
	}
	if err := c.CopyFrom(Zeros[float32](3, 2)); !errors.Is(err, ErrShape) {
		t.Fatalf("CopyFrom of another shape: %v", err)
	}
	Full[float32](2, 2, 3).Fill(0)
	for _, idx := range [][]int{{2, 0}, {0, 3}, {0}, {-1, 0}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("At(%v) did not panic", idx)
				}
			}()
			x.At(idx...)
		}()
	}
}
