package clib

// int answer() { return 42; }
import "C"

func Answer() int { return int(C.answer()) }
