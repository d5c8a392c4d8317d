"""A small data root of real photos for the training-data tests (no fetched data root needed)."""
import cv2
import numpy as np
import skimage.data

PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "retina")


def write_rgb(path, rgb, quality=None):
    params = [cv2.IMWRITE_JPEG_QUALITY, quality] if quality else []
    assert cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), params)


def make_root(root):
    """A data root of real photos: five skimage pictures, one of them again at 60 % size as
    JPEG (a duplicate), a gray one (unusable), and an RGBA cut-out of a real photo."""
    (root / "images").mkdir(parents=True)
    (root / "objects").mkdir()
    for name in PHOTOS:
        write_rgb(root / "images" / f"{name}.png", getattr(skimage.data, name)())
    coffee = skimage.data.coffee()
    small = cv2.resize(coffee, None, fx=0.6, fy=0.6, interpolation=cv2.INTER_AREA)
    write_rgb(root / "images" / "coffee_copy_small.jpg", small, quality=85)
    cv2.imwrite(str(root / "images" / "camera_gray.png"), skimage.data.camera())
    cat = skimage.data.chelsea()[30:230, 80:330]
    yy, xx = np.mgrid[0:200, 0:250]
    alpha = (((xx - 125) / 110.0) ** 2 + ((yy - 100) / 90.0) ** 2 < 1.0).astype(np.uint8) * 255
    rgba = np.dstack([cat, alpha])
    cv2.imwrite(str(root / "objects" / "animals_cat.png"), cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA))
    return root
