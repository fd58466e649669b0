package verifier

// helpers_618.go is recorded from the live kernel (root):
//go:generate go run ./helperprotos -o helpers_618.go
