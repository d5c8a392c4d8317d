#!/usr/bin/env bash
# The training pictures of `excolor train`, from Debian packages (needs apt-get and dpkg):
#   DATA_ROOT/images/   wallpapers: photographs and artwork from the desktop background packages
#   DATA_ROOT/objects/  Tux Paint's stamps: cut-out photographs of things (PNG with alpha), which
#                       excolor.model.data moves over the pictures as foreground objects
# Usage: fetch_training_data.sh DATA_ROOT
# The .deb files are kept in DATA_ROOT/.debs (a second run downloads nothing new); the unpacked
# trees are removed at the end. Nothing in images/ or objects/ is replaced.
set -euo pipefail

root=${1:?usage: fetch_training_data.sh DATA_ROOT}
wallpapers=(gnome-backgrounds mate-backgrounds plasma-workspace-wallpapers ukui-wallpapers
            lomiri-wallpapers lomiri-wallpapers-16.04 lomiri-wallpapers-20.04 sway-backgrounds)
stamps=(tuxpaint-stamps-default)

mkdir -p "$root/images" "$root/objects" "$root/.debs"
root=$(cd "$root" && pwd)
unpacked=$(mktemp -d "$root/.unpacked.XXXXXX")
trap 'rm -rf "$unpacked"' EXIT

# Empty package lists (a fresh container) know none of the packages: read them first.
if ! apt-cache show "${stamps[0]}" >/dev/null 2>&1; then
  apt-get update -qq
fi
(cd "$root/.debs" && apt-get download "${wallpapers[@]}" "${stamps[@]}")
for deb in "$root"/.debs/*.deb; do
  dpkg -x "$deb" "$unpacked"
done

# Pictures: every image of the wallpaper packages over 100 kB (smaller ones are thumbnails and
# icons), named after its path in the package so that equal file names do not collide.
pictures=0
while IFS= read -r -d '' file; do
  name=$(printf '%s' "${file#"$unpacked"/}" | tr '/' '_')
  [ -e "$root/images/$name" ] || cp "$file" "$root/images/$name"
  pictures=$((pictures + 1))
done < <(find "$unpacked" -path "$unpacked/usr/share/tuxpaint" -prune -o -type f \
           \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' -o -iname '*.webp' \) \
           -not -iname '*screenshot*' -size +100k -print0)

# Objects: the stamps' PNGs over 20 kB (smaller ones are too small to move over a picture),
# named after their stamp folder and file.
objects=0
while IFS= read -r -d '' file; do
  name="$(basename "$(dirname "$file")")_$(basename "$file")"
  [ -e "$root/objects/$name" ] || cp "$file" "$root/objects/$name"
  objects=$((objects + 1))
done < <(find "$unpacked/usr/share/tuxpaint/stamps" -type f -iname '*.png' -size +20k -print0)

echo "$pictures pictures in $root/images, $objects cut-out objects in $root/objects"
