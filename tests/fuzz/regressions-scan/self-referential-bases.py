class A(A.x):
    y = A.y
class B(B.z, A):
    pass
B.sync_get(pk=1)
A.x.sync_save()
