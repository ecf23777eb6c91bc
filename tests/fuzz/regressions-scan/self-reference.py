class A(A):
    model_config = A.model_config
A.sync_get()
x = x.y
x.sync_save()
