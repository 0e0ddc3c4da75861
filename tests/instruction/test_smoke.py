from roadmap.usecases import instruction as ins

from .conftest import YEAR, all_avis, new_dossier, to_instruction, version_of


async def test_full_path(world):
    ref = await new_dossier(world)
    await to_instruction(world, ref)
    await all_avis(world, ref)
    d = await ins.dossier_detail(ref)
    assert d.row.state == "avis_rendus"
    await ins.decide(world.pilote, ref, await version_of(ref), "accorde")
    await ins.notify(world.pilote, ref, await version_of(ref))
    await ins.record_bilan(world.pilote, ref, await version_of(ref))
    d = await ins.dossier_detail(ref)
    assert d.row.state == "bilan_recu"
    rows = await ins.list_dossiers(campagne=YEAR)
    assert rows[0].granted == rows[0].asked
