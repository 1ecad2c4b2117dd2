package data

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
)

// IDXType is the element type of an IDX file, the third byte of its magic
// number.
type IDXType byte

// The element types of the IDX format.
const (
	IDXUint8   IDXType = 0x08
	IDXInt8    IDXType = 0x09
	IDXInt16   IDXType = 0x0B
	IDXInt32   IDXType = 0x0C
	IDXFloat32 IDXType = 0x0D
	IDXFloat64 IDXType = 0x0E
)

// Size returns the size of one element in bytes, 0 for an unknown type.
func (t IDXType) Size() int {
	switch t {
	case IDXUint8, IDXInt8:
		return 1
	case IDXInt16:
		return 2
	case IDXInt32, IDXFloat32:
		return 4
	case IDXFloat64:
		return 8
	}
	return 0
}

// String returns the type's name ("uint8", "float32", ...).
func (t IDXType) String() string {
	switch t {
	case IDXUint8:
		return "uint8"
	case IDXInt8:
		return "int8"
	case IDXInt16:
		return "int16"
	case IDXInt32:
		return "int32"
	case IDXFloat32:
		return "float32"
	case IDXFloat64:
		return "float64"
	}
	return fmt.Sprintf("IDXType(0x%02x)", byte(t))
}

// IDX is the content of one IDX file: an element type, dimensions, and the
// elements in row-major order as the file stores them (big-endian).
// Compressed records whether the file was gzip-compressed.
type IDX struct {
	Type       IDXType
	Dims       []int
	Data       []byte
	Compressed bool
}

// Len returns the number of elements, the product of Dims.
func (m *IDX) Len() int {
	if m.Type.Size() == 0 {
		return 0
	}
	return len(m.Data) / m.Type.Size()
}

// Float32s returns the elements converted to float32, values unchanged
// (a uint8 255 becomes 255).
func (m *IDX) Float32s() []float32 {
	n := m.Len()
	out := make([]float32, n)
	p := m.Data
	switch m.Type {
	case IDXUint8:
		for i := range out {
			out[i] = float32(p[i])
		}
	case IDXInt8:
		for i := range out {
			out[i] = float32(int8(p[i]))
		}
	case IDXInt16:
		for i := range out {
			out[i] = float32(int16(binary.BigEndian.Uint16(p[2*i:])))
		}
	case IDXInt32:
		for i := range out {
			out[i] = float32(int32(binary.BigEndian.Uint32(p[4*i:])))
		}
	case IDXFloat32:
		for i := range out {
			out[i] = math.Float32frombits(binary.BigEndian.Uint32(p[4*i:]))
		}
	case IDXFloat64:
		for i := range out {
			out[i] = float32(math.Float64frombits(binary.BigEndian.Uint64(p[8*i:])))
		}
	}
	return out
}

// Int returns element i of an integer-typed file and true, or 0 and false
// when the file holds floats or i is out of range.
func (m *IDX) Int(i int) (int, bool) {
	if i < 0 || i >= m.Len() {
		return 0, false
	}
	p := m.Data
	switch m.Type {
	case IDXUint8:
		return int(p[i]), true
	case IDXInt8:
		return int(int8(p[i])), true
	case IDXInt16:
		return int(int16(binary.BigEndian.Uint16(p[2*i:]))), true
	case IDXInt32:
		return int(int32(binary.BigEndian.Uint32(p[4*i:]))), true
	}
	return 0, false
}

// IDXError is a malformed IDX file: the file's name, the byte offset of the
// fault and what is wrong there. For a gzip-compressed file the offset
// counts bytes of the decompressed stream.
type IDXError struct {
	File       string
	Offset     int64
	Compressed bool
	Msg        string
	Err        error // the underlying error, if any (io.ErrUnexpectedEOF, a gzip error)
}

// Error returns "FILE: offset N: MSG".
func (e *IDXError) Error() string {
	where := "offset"
	if e.Compressed {
		where = "decompressed offset"
	}
	return fmt.Sprintf("%s: %s %d: %s", e.File, where, e.Offset, e.Msg)
}

// Unwrap returns the underlying error.
func (e *IDXError) Unwrap() error { return e.Err }

// maxIDXBytes bounds the data of one IDX file: 8 GiB, or what an int can
// count on a 32-bit machine.
var maxIDXBytes = min(uint64(math.MaxInt), 8<<30)

// gzipMagic begins every gzip stream.
var gzipMagic = [2]byte{0x1f, 0x8b}

// idxReader reads an IDX stream and keeps the offset for errors.
type idxReader struct {
	r    io.Reader
	name string
	gz   bool
	off  int64
}

func (ir *idxReader) errorf(off int64, err error, format string, args ...any) *IDXError {
	return &IDXError{File: ir.name, Offset: off, Compressed: ir.gz, Msg: fmt.Sprintf(format, args...), Err: err}
}

// full reads len(p) bytes, reporting a short read as an error at the offset
// where the data ran out.
func (ir *idxReader) full(p []byte, what string) error {
	n, err := io.ReadFull(ir.r, p)
	ir.off += int64(n)
	if err == nil {
		return nil
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return ir.errorf(ir.off, io.ErrUnexpectedEOF, "file ends in the %s (%d of %d bytes read)", what, n, len(p))
	}
	return ir.errorf(ir.off, err, "reading the %s: %v", what, err)
}

// ReadIDX reads an IDX stream from r, plain or gzip-compressed (recognized
// by the gzip magic bytes, whatever the name). name is used in errors.
//
// The stream must hold exactly the elements its dimensions call for: a
// short stream, trailing bytes, a bad magic number, an unknown element type
// or dimensions whose product overflows are reported as an *IDXError with
// the byte offset of the fault. Memory is allocated as data arrives, so a
// header that lies about its size costs no more than the bytes present.
func ReadIDX(r io.Reader, name string) (*IDX, error) {
	if r == nil {
		return nil, fmt.Errorf("read idx %s: nil reader", name)
	}
	br := bufio.NewReader(r)
	ir := &idxReader{r: br, name: name}
	if magic, err := br.Peek(2); err == nil && magic[0] == gzipMagic[0] && magic[1] == gzipMagic[1] {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, &IDXError{File: name, Offset: 0, Msg: fmt.Sprintf("gzip header: %v", err), Err: err}
		}
		defer zr.Close()
		ir.r, ir.gz = zr, true
	}
	return ir.read()
}

func (ir *idxReader) read() (*IDX, error) {
	var head [4]byte
	if err := ir.full(head[:], "4-byte magic number"); err != nil {
		return nil, err
	}
	if head[0] != 0 || head[1] != 0 {
		return nil, ir.errorf(0, nil, "bad magic number %02x%02x%02x%02x: an IDX file begins with two zero bytes", head[0], head[1], head[2], head[3])
	}
	t := IDXType(head[2])
	if t.Size() == 0 {
		return nil, ir.errorf(2, nil, "unsupported element type 0x%02x (want 0x08 uint8, 0x09 int8, 0x0b int16, 0x0c int32, 0x0d float32 or 0x0e float64)", head[2])
	}
	ndim := int(head[3])
	if ndim == 0 {
		return nil, ir.errorf(3, nil, "zero dimensions")
	}
	dimBytes := make([]byte, 4*ndim)
	if err := ir.full(dimBytes, fmt.Sprintf("%d dimensions", ndim)); err != nil {
		return nil, err
	}
	dims := make([]int, ndim)
	size := uint64(t.Size())
	for i := range dims {
		d := uint64(binary.BigEndian.Uint32(dimBytes[4*i:]))
		if d > maxIDXBytes || d != 0 && size > maxIDXBytes/d {
			return nil, ir.errorf(int64(4+4*i), nil, "dimensions %v need more than %d bytes of data", dimsSoFar(dimBytes, i), maxIDXBytes)
		}
		dims[i] = int(d)
		size *= d
	}
	dataOff := ir.off
	buf, err := ir.payload(int(size), dims)
	if err != nil {
		return nil, err
	}
	var extra [1]byte
	n, err := io.ReadFull(ir.r, extra[:])
	if n > 0 {
		return nil, ir.errorf(dataOff+int64(size), nil, "trailing bytes after the %d bytes of data that dimensions %v call for", size, dims)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, ir.errorf(ir.off, err, "the compressed stream ends early, after the data (truncated gzip trailer)")
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, ir.errorf(ir.off, err, "after the data: %v", err)
	}
	return &IDX{Type: t, Dims: dims, Data: buf, Compressed: ir.gz}, nil
}

// dimsSoFar decodes the first i+1 dimensions, for an overflow message.
func dimsSoFar(b []byte, i int) []uint32 {
	out := make([]uint32, i+1)
	for j := range out {
		out[j] = binary.BigEndian.Uint32(b[4*j:])
	}
	return out
}

// payload reads size bytes of element data, growing the buffer as bytes
// arrive so that a header announcing more than the stream holds fails at
// the end of the stream without first allocating the announced size.
func (ir *idxReader) payload(size int, dims []int) ([]byte, error) {
	const firstChunk = 1 << 20
	start := ir.off
	buf := make([]byte, 0, min(size, firstChunk))
	for len(buf) < size {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(size, 2*cap(buf)))
			copy(grown, buf)
			buf = grown
		}
		n, err := io.ReadFull(ir.r, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		ir.off += int64(n)
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, ir.errorf(ir.off, io.ErrUnexpectedEOF, "file ends after %d of the %d data bytes that dimensions %v call for (data starts at offset %d)", len(buf), size, dims, start)
			}
			return nil, ir.errorf(ir.off, err, "reading data: %v", err)
		}
	}
	return buf, nil
}

// ReadIDXFile reads the IDX file at path, plain or gzip-compressed; see
// ReadIDX.
func ReadIDXFile(path string) (*IDX, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read idx: %w", err)
	}
	defer f.Close()
	return ReadIDX(f, path)
}

// LoadIDX reads a pair of IDX files, examples and labels, as a
// classification Dataset with numClasses classes, as MNIST is stored.
//
// The first dimension of the examples file counts the examples; the rest
// are the shape of one example. uint8 examples are scaled to [0, 1]
// (x/255 in float32, as torchvision's ToTensor does); other element types
// are converted unchanged. The labels file must be one-dimensional, of an
// integer type, hold as many labels as there are examples, and every label
// must lie in [0, numClasses): a label that does not is reported with the
// byte offset of its element.
func LoadIDX(examplesPath, labelsPath string, numClasses int) (*Dataset, error) {
	if numClasses < 1 {
		return nil, fmt.Errorf("load %s: numClasses %d, need at least 1", labelsPath, numClasses)
	}
	xs, err := ReadIDXFile(examplesPath)
	if err != nil {
		return nil, err
	}
	ys, err := ReadIDXFile(labelsPath)
	if err != nil {
		return nil, err
	}
	return idxDataset(xs, ys, examplesPath, labelsPath, numClasses)
}

// idxDataset builds a Dataset from parsed examples and labels files; the
// paths name them in errors.
func idxDataset(xs, ys *IDX, examplesPath, labelsPath string, numClasses int) (*Dataset, error) {
	if len(xs.Dims) < 2 {
		return nil, &IDXError{File: examplesPath, Offset: 3, Compressed: xs.Compressed, Msg: fmt.Sprintf("examples file has %d dimension(s), need at least 2 (count, then the shape of one example)", len(xs.Dims))}
	}
	n := xs.Dims[0]
	shape := append([]int(nil), xs.Dims[1:]...)
	for i, d := range shape {
		if d == 0 {
			return nil, &IDXError{File: examplesPath, Offset: int64(8 + 4*i), Compressed: xs.Compressed, Msg: fmt.Sprintf("example dimension %d is 0", i+1)}
		}
	}
	if _, ok := shapeSize(shape); !ok {
		return nil, &IDXError{File: examplesPath, Offset: 8, Compressed: xs.Compressed, Msg: fmt.Sprintf("example shape %v has more elements than an int counts", shape)}
	}
	if len(ys.Dims) != 1 {
		return nil, &IDXError{File: labelsPath, Offset: 3, Compressed: ys.Compressed, Msg: fmt.Sprintf("labels file has %d dimensions, need 1", len(ys.Dims))}
	}
	if ys.Type.Size() == 0 || ys.Type == IDXFloat32 || ys.Type == IDXFloat64 {
		return nil, &IDXError{File: labelsPath, Offset: 2, Compressed: ys.Compressed, Msg: fmt.Sprintf("labels of type %s, need an integer type", ys.Type)}
	}
	if ys.Dims[0] != n {
		return nil, &IDXError{File: labelsPath, Offset: 4, Compressed: ys.Compressed, Msg: fmt.Sprintf("%d labels but %s holds %d examples", ys.Dims[0], examplesPath, n)}
	}
	labels := make([]int, n)
	dataOff := int64(4 + 4*len(ys.Dims))
	for i := range labels {
		c, _ := ys.Int(i)
		if c < 0 || c >= numClasses {
			return nil, &IDXError{File: labelsPath, Offset: dataOff + int64(i*ys.Type.Size()), Compressed: ys.Compressed, Msg: fmt.Sprintf("label %d of example %d outside [0, %d)", c, i, numClasses)}
		}
		labels[i] = c
	}
	var x []float32
	if xs.Type == IDXUint8 {
		x = unitBytes(xs.Data)
	} else {
		x = xs.Float32s()
	}
	return &Dataset{X: x, Shape: shape, Labels: labels, NumClasses: numClasses}, nil
}

// unitBytes scales bytes to [0, 1]: float32(b)/255, rounded once, the value
// torchvision's ToTensor gives.
func unitBytes(p []byte) []float32 {
	var table [256]float32
	for i := range table {
		table[i] = float32(i) / 255
	}
	out := make([]float32, len(p))
	for i, b := range p {
		out[i] = table[b]
	}
	return out
}
