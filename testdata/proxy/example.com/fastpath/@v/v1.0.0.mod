module example.com/fastpath

go 1.21
