"""Physics and rendering of a sampled scene with MuJoCo (CPU rendering through OSMesa).

Why MuJoCo: its OpenGL renderer gives soft-edged shadows and fog out of the box and a
segmentation pass that returns the geom id of every pixel, so masks come from the renderer
itself. On a machine without a display it renders through OSMesa (``MUJOCO_GL=osmesa``,
Debian package ``libosmesa6``). Its Phong shading makes metal look like rubber, so metal
objects are re-shaded afterwards by an environment-reflection pass (``metal.py``).
"""
import os

os.environ.setdefault('MUJOCO_GL', 'osmesa')

import numpy as np  # noqa: E402

from ..metainfo import COLOR_RGB  # noqa: E402
from futureseg.structures.camera import Camera  # noqa: E402
from .metal import MetalShader  # noqa: E402
from .scene import FLOOR_PHYSICS, MATERIAL_PHYSICS  # noqa: E402

PHYSICS_TIMESTEP = 0.002
# The second, fixed light of every scene (direction of its rays) and a back light that exists
# only as a highlight on metal (CLEVR lights its scenes from the key, fill and back).
FILL_LIGHT_DIR = (-0.4, 0.4, -1.0)
BACK_LIGHT_DIR = (0.5, -0.9, -0.8)
METAL_SHADING = ('reflection', 'phong')


def damping_ratio(restitution):
    """Damping ratio of a spring-damper contact whose bounce has this restitution."""
    ln_e = np.log(restitution)
    return float(-ln_e / np.sqrt(np.pi ** 2 + ln_e ** 2))


def _geom_xml(obj, r, name):
    shape, material = obj['shape'], obj['material']
    phys = MATERIAL_PHYSICS[material]
    # MuJoCo takes the larger friction of two geoms; Bullet (and the constants) multiply them.
    # The floor gets friction 0, so each object carries the floor x material product.
    mu = FLOOR_PHYSICS['friction'] * phys['friction']
    size = {'cube': f'{r} {r} {r}', 'sphere': f'{r}', 'cylinder': f'{r} {r}'}[shape]
    gtype = {'cube': 'box', 'sphere': 'sphere', 'cylinder': 'cylinder'}[shape]
    zeta = damping_ratio(phys['restitution'])
    return (f'<geom name="{name}" type="{gtype}" size="{size}" material="{material}_{obj["color"]}" '
            f'density="{phys["density"] * 1000}" friction="{mu} 0.005 0.002" condim="6" '
            f'solref="0.01 {zeta:.4f}"/>')


def scene_to_mjcf(scene, width, height):
    """The MJCF model of a scene: floor, lights, camera and one free body per object."""
    cam = Camera(np.array(scene['camera']['pos']), np.array(scene['camera']['target']),
                 scene['camera']['fovy'], width, height)
    r = scene['object_radius']
    materials = []
    for color, rgb in COLOR_RGB.items():
        rgba = ' '.join(f'{c / 255:.4f}' for c in rgb) + ' 1'
        materials.append(f'<material name="metal_{color}" rgba="{rgba}" specular="1" shininess="0.85" '
                         f'reflectance="0.05"/>')
        materials.append(f'<material name="rubber_{color}" rgba="{rgba}" specular="0.08" '
                         f'shininess="0.1"/>')
    bodies = []
    for k, obj in enumerate(scene['objects']):
        x, y, z = obj['position']
        yaw = obj['yaw']
        quat = f'{np.cos(yaw / 2):.6f} 0 0 {np.sin(yaw / 2):.6f}'
        bodies.append(f'<body name="obj{k}" pos="{x} {y} {z}" quat="{quat}"><freejoint/>'
                      f'{_geom_xml(obj, r, f"obj{k}")}</body>')
    lx, ly, lz = scene['light']['pos']
    ldir = -np.array([lx, ly, lz]) / np.linalg.norm([lx, ly, lz])
    floor_zeta = damping_ratio(FLOOR_PHYSICS['restitution'])
    return f"""
<mujoco model="futureseg_scene">
  <option timestep="{PHYSICS_TIMESTEP}" gravity="0 0 -9.81"/>
  <visual>
    <headlight ambient="0.42 0.42 0.42" diffuse="0.26 0.26 0.26" specular="0.15 0.15 0.15"/>
    <quality shadowsize="512" offsamples="4"/>
    <map znear="0.2" zfar="80" fogstart="6" fogend="40" shadowclip="7"/>
    <rgba fog="0.36 0.36 0.38 1" haze="0.36 0.36 0.38 1"/>
    <global offwidth="{width}" offheight="{height}"/>
  </visual>
  <asset>
    <material name="floor" rgba="0.7 0.69 0.68 1" specular="0" shininess="0"/>
    {' '.join(materials)}
  </asset>
  <worldbody>
    <light directional="true" pos="{lx} {ly} {lz}" dir="{ldir[0]:.4f} {ldir[1]:.4f} {ldir[2]:.4f}"
           diffuse="0.24 0.24 0.24" specular="0.6 0.6 0.6" castshadow="true"/>
    <light directional="true" pos="5 -5 8" dir="{' '.join(str(v) for v in FILL_LIGHT_DIR)}" diffuse="0.08 0.08 0.08"
           specular="0.1 0.1 0.1" castshadow="false"/>
    <geom name="floor" type="plane" size="80 80 0.1" material="floor" friction="0 0 0"
          condim="6" solref="0.01 {floor_zeta:.4f}"/>
    <camera name="cam" pos="{' '.join(f'{v:.6f}' for v in cam.pos)}"
            xyaxes="{' '.join(f'{v:.6f}' for v in cam.xyaxes())}" fovy="{cam.fovy}"/>
    {''.join(bodies)}
  </worldbody>
</mujoco>"""


def vignette(height, width, strength):
    """Multiplicative radial fall-off, 1 at the centre and 1 - strength at the corners."""
    yy, xx = np.mgrid[0:height, 0:width]
    d = np.hypot((xx - width / 2) / (width / 2), (yy - height / 2) / (height / 2)) / np.sqrt(2)
    return (1 - strength * d ** 2)[..., None]


class MujocoSceneRenderer:
    """Simulates a scene and renders its frames and per-pixel class-id masks.

    Args:
        width (int): image width (the course data is 240 x 160). Default 240.
        height (int): image height. Default 160.
        vignette_strength (float): darkening of the image corners (the course frames have a
            slight one). Default 0.08.
        metal (str): how metal is shaded: 'reflection' (CLEVR-like tinted mirror, see
            ``metal.py``) or 'phong' (MuJoCo's own shading, which looks like rubber; the
            look of generator version 1). Default 'reflection'.
    """

    def __init__(self, width=240, height=160, vignette_strength=0.08, metal='reflection'):
        import mujoco
        if metal not in METAL_SHADING:
            raise ValueError(f'metal shading must be one of {METAL_SHADING}, got {metal!r}')
        self.mujoco = mujoco
        self.width, self.height = width, height
        self.metal = metal
        self._vignette = vignette(height, width, vignette_strength).astype(np.float32)

    def _metal_shader(self, scene):
        """The video's metal shader, or None when metal keeps MuJoCo's shading."""
        if self.metal != 'reflection':
            return None
        cam = Camera(np.array(scene['camera']['pos']), np.array(scene['camera']['target']),
                     scene['camera']['fovy'], self.width, self.height)
        key = np.array(scene['light']['pos'], float)  # directional: towards the key light
        return MetalShader(cam, [key, -np.array(FILL_LIGHT_DIR), -np.array(BACK_LIGHT_DIR)],
                           [1.0, 0.45, 0.6])

    def render(self, scene):
        """Returns dict(frames=(T,H,W,3) uint8, masks=(T,H,W) uint8, collisions=[...],
        trajectories=(num_objects, T, 3) object centres)."""
        mujoco = self.mujoco
        model = mujoco.MjModel.from_xml_string(scene_to_mjcf(scene, self.width, self.height))
        data = mujoco.MjData(model)
        for k, obj in enumerate(scene['objects']):
            joint = model.body(f'obj{k}').jntadr[0]
            dof = model.jnt_dofadr[joint]
            data.qvel[dof:dof + 2] = obj['velocity']
        mujoco.mj_forward(model, data)

        # geom id -> class id lookup for the segmentation pass
        lut = np.zeros(model.ngeom + 1, np.uint8)
        geom_object = np.full(model.ngeom, -1, np.int64)  # geom id -> object index, -1 none
        metal_geoms = []
        for k, obj in enumerate(scene['objects']):
            gid = model.geom(f'obj{k}').id
            lut[gid] = obj['class_id']
            geom_object[gid] = k
            if obj['material'] == 'metal':
                metal_geoms.append((gid, obj))
        shader = self._metal_shader(scene)
        steps = int(round(scene['frame_dt'] / model.opt.timestep))
        T, H, W = scene['num_frames'], self.height, self.width
        frames = np.empty((T, H, W, 3), np.uint8)
        masks = np.empty((T, H, W), np.uint8)
        collisions, touching = [], set()
        body_ids = [model.body(f'obj{k}').id for k in range(len(scene['objects']))]
        trajectories = np.zeros((len(body_ids), T, 3))
        renderer = mujoco.Renderer(model, H, W)
        try:
            for t in range(T):
                if t:
                    for _ in range(steps):
                        mujoco.mj_step(model, data)
                        # object pairs in contact, read as arrays (a Python loop over the
                        # contacts of every physics step was a quarter of the generator's time)
                        pairs = geom_object[data.contact.geom[:data.ncon]].reshape(-1, 2)
                        pairs = np.sort(pairs[(pairs >= 0).all(1)], 1)
                        now = set(map(tuple, pairs.tolist()))
                        for pair in sorted(now - touching):
                            collisions.append(dict(frame=t, objects=list(pair)))
                        touching = now
                trajectories[:, t] = data.xpos[body_ids]
                rgb = self._render_rgb(renderer, data)
                masks[t] = self._render_mask(renderer, data, lut)
                if shader is not None and metal_geoms:
                    rgb = shader.shade(rgb, masks[t], [
                        dict(class_id=obj['class_id'], shape=obj['shape'], size=scene['object_radius'],
                             rgb=np.array(COLOR_RGB[obj['color']]) / 255.0, pos=data.geom_xpos[gid],
                             rot=data.geom_xmat[gid].reshape(3, 3)) for gid, obj in metal_geoms])
                # the lens vignette darkens the finished image, metal included
                frames[t] = np.clip(rgb.astype(np.float32) * self._vignette + 0.5, 0, 255)
        finally:
            renderer.close()  # its destructor raises at interpreter exit otherwise
        return dict(frames=frames, masks=masks, collisions=collisions, trajectories=trajectories)

    def _render_rgb(self, renderer, data):
        renderer.update_scene(data, camera='cam')
        renderer.scene.flags[self.mujoco.mjtRndFlag.mjRND_FOG] = 1
        return renderer.render()

    def _render_mask(self, renderer, data, lut):
        renderer.enable_segmentation_rendering()
        try:
            renderer.update_scene(data, camera='cam')
            seg = renderer.render()
        finally:
            renderer.disable_segmentation_rendering()
        ids, types = seg[..., 0], seg[..., 1]
        is_geom = (types == int(self.mujoco.mjtObj.mjOBJ_GEOM)) & (ids >= 0)
        return np.where(is_geom, lut[np.clip(ids, 0, len(lut) - 1)], 0).astype(np.uint8)
