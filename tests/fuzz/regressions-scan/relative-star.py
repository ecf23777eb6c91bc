from . import *
from .. import *
import a.b.c
a.b.c.d.sync_get(pk=1)
