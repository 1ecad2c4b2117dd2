module github.com/descent-ml/descent

go 1.26
