package object

//go:generate make -C testdata -B
//go:generate go run ./record -dir testdata
