import os
import sys

# make ``import oracle`` / ``import corpus`` work from every test module
sys.path.insert(0, os.path.dirname(__file__))
