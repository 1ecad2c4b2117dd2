package optim

import (
	"cmp"
	"slices"
)

// coalesceRows returns the rows of a row-sparse gradient sorted and unique,
// the values of a repeated row added up in the order they appear, as
// PyTorch's coalesce() does before a non-linear sparse update. Rows that
// are already strictly increasing are returned as they are, without a
// copy; otherwise the result is new and the caller's slices are left
// alone.
func coalesceRows[T Float](rows []int, vals []T, cols int) ([]int, []T) {
	sorted := true
	for i := 1; i < len(rows); i++ {
		if rows[i] <= rows[i-1] {
			sorted = false
			break
		}
	}
	if sorted {
		return rows, vals
	}
	order := make([]int, len(rows))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(rows[a], rows[b]) })
	out := make([]int, 0, len(rows))
	outVals := make([]T, 0, len(vals))
	for _, i := range order {
		v := vals[i*cols : (i+1)*cols]
		if n := len(out); n > 0 && out[n-1] == rows[i] {
			dst := outVals[(n-1)*cols:]
			for j := range v {
				dst[j] += v[j]
			}
			continue
		}
		out = append(out, rows[i])
		outVals = append(outVals, v...)
	}
	return out, outVals
}

// sparseRowGrain is the number of rows per chunk for a parallel loop over
// the rows of a sparse gradient with cols columns.
func sparseRowGrain(cols int) int {
	return max(1, grain/max(1, cols))
}
