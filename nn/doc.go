// Package nn holds descent's layers and losses, with PyTorch's names,
// defaults, initialisation and exact forward and backward semantics
// (checked against PyTorch's own numbers): Linear, Conv2d, MaxPool2d,
// AvgPool2d, Flatten, Dropout, LayerNorm, BatchNorm1d/2d, Embedding, the
// activations, Sequential, and CrossEntropyLoss, NLLLoss, MSELoss and
// BCEWithLogitsLoss.
//
// A [Module] computes on an autograd.Graph: Forward records its
// operations, and a Backward of the loss fills its parameters' gradient
// buffers. Parameters are named as PyTorch's named_parameters ("0.weight");
// [OptimParams] turns them into optimizer parameters over the same
// buffers, so a training step is
//
//	g.Reset()
//	nn.ZeroGrad(model)                      // or opt.ZeroGrad()
//	logits, err := model.Forward(g, g.Input(x))
//	loss, err := nn.CrossEntropyLoss[float32]{}.Forward(g, logits, labels)
//	err = g.Backward(loss)
//	err = opt.Step()
//
// and allocates nothing once the first step has sized the graph's buffers.
//
// Layers are initialised as PyTorch initialises them (kaiming-uniform
// with a = √5 for Linear and Conv2d weights, that is uniform in
// ±1/√fan_in, and the bias uniform in ±1/√fan_in; Embedding standard
// normal; norms' weights one and biases zero), drawing from the
// math/rand/v2 generator the constructor is given, so a seeded PCG
// rebuilds the same model. The values differ from PyTorch's, whose
// generator is another.
//
// A layer handed an input of the wrong shape returns an error naming the
// layer, its configuration or weight shape, and the input's shape.
// [StateDict], [LoadStateDict], [SaveFile] and [LoadFile] save and restore
// parameters and buffers under their PyTorch names (safetensors on disk).
package nn
