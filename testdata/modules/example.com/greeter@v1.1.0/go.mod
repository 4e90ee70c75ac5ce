module example.com/greeter

go 1.21

require (
	example.com/fastpath v1.0.0
	example.com/workers v1.1.0
)
