package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/descent-ml/descent/autograd"
	"github.com/descent-ml/descent/tensor"
)

// Embedding is PyTorch's nn.Embedding: a table Weight [Num, Dim] whose
// rows are looked up by index. With Sparse set, a backward pass gives the
// table a row-sparse gradient (the rows looked up and their gradients in
// Weight.Sparse) instead of a dense one, as sparse=True; hand it to the
// optimizer with SetSparseGrads.
type Embedding[T tensor.Float] struct {
	mode
	Num, Dim int
	Weight   *autograd.Var[T]
}

// NewEmbedding returns an Embedding of num rows of dim values, initialised
// standard normal from rng (nil: the package-wide generator), as PyTorch
// does. sparse asks for row-sparse gradients.
func NewEmbedding[T tensor.Float](num, dim int, sparse bool, rng *rand.Rand) *Embedding[T] {
	num, dim = max(num, 0), max(dim, 0)
	e := &Embedding[T]{Num: num, Dim: dim, Weight: param[T]("weight", num, dim)}
	normal(e.Weight.Value.Data, rng)
	e.Weight.RowSparse = sparse
	return e
}

// Lookup returns the rows ids of the table, shaped idsShape + [Dim]
// (idsShape nil: [len(ids)]). ids must not change until g is Reset.
func (e *Embedding[T]) Lookup(g *autograd.Graph[T], ids []int, idsShape ...int) (*autograd.Var[T], error) {
	y := g.Embedding(e.Weight, ids, idsShape...)
	if err := g.Err(); err != nil {
		return nil, fmt.Errorf("nn.Embedding(%d, %d): %w", e.Num, e.Dim, err)
	}
	return y, nil
}

// Forward looks up the ids held (as whole numbers) in x, for use in a
// Sequential; the result has shape x's + [Dim].
func (e *Embedding[T]) Forward(g *autograd.Graph[T], x *autograd.Var[T]) (*autograd.Var[T], error) {
	ids := g.Ints(x.Value.Len())
	for i, v := range x.Value.Data {
		f := float64(v)
		if f != math.Trunc(f) || f < 0 || f >= float64(e.Num) {
			return nil, fmt.Errorf("nn.Embedding(%d, %d): index %v (position %d of input %v) is not a row of the table", e.Num, e.Dim, v, i, x.Value.Shape)
		}
		ids[i] = int(f)
	}
	return e.Lookup(g, ids, x.Value.Shape...)
}

// Parameters returns weight.
func (e *Embedding[T]) Parameters() []Parameter[T] { return []Parameter[T]{{"weight", e.Weight}} }

// Buffers returns nothing: Embedding has no buffers.
func (e *Embedding[T]) Buffers() []NamedTensor[T] { return nil }
