package autograd

import "github.com/descent-ml/descent/tensor"

// opcode names a recorded operation.
type opcode uint8

const (
	opNone opcode = iota
	opMatMul
	opAdd
	opSub
	opMul
	opScale
	opAddScalar
	opSumTo
	opExpand
	opReshape
	opReLU
	opLeakyReLU
	opSigmoid
	opTanh
	opDeriv // f⁽ᵏ⁾(x) of a smooth element-wise function
	opExp
	opLog
	opRecip
	opSqrt
	opRsqrt
	opSoftmax
	opLogSoftmax
	opConv
	opConvInput
	opConvWeight
	opMaxPool
	opPoolScatter
	opPoolGather
	opAvgPool
	opAvgPoolBack
	opEmbedding
	opRowScatter
	opPick
	opPut
	opBCE
)

// node is one recorded operation: its operands, its result and what its
// backward rule needs. Nodes are pooled by the graph and reused across
// steps with their buffers.
type node[T tensor.Float] struct {
	op  opcode
	pos int
	in  [3]*Var[T]
	out *Var[T]

	s     [2]float64    // scalars: scale, slope, eps, …
	k     [2]int        // small integers: transposes, function kind, order
	win   tensor.Window // convolution and pooling geometry
	shape []int         // a shape the rule needs, in storage owned by the node
	idx   []int         // indices: arg-max positions, targets, row ids
	aux   *Var[T]       // a saved tensor (im2col columns)
}

func (n *node[T]) reset() {
	n.in = [3]*Var[T]{}
	n.out, n.aux, n.idx = nil, nil, nil
}

// setShape stores shape in the node's own storage.
func (n *node[T]) setShape(shape []int) {
	n.shape = append(n.shape[:0], shape...)
}
