package main

import (
	"bytes"
	"os"
	"testing"
)

// TestCommitted: the committed assembly is what the generator writes (run
// go generate ./internal/kernel after changing the generator).
func TestCommitted(t *testing.T) {
	got, err := os.ReadFile("../gemm_amd64.s")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, Generate()) {
		t.Fatal("internal/kernel/gemm_amd64.s is stale: run go generate ./internal/kernel")
	}
}
